"""Docs enforced by tests: the README and docs/ link only to files and headings that exist, every command is in
docs/commands.md, and docs/configuration.md lists every setting with its default."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from sousveillance.config import Config, load_config
from sousveillance.main import COMMANDS

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
PAGES = [REPO / "README.md", *sorted(DOCS.glob("*.md"))]

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)


def prose(text: str) -> str:
    """The text without fenced code blocks and inline code (where brackets are TOML or shell, not links)."""
    return re.sub(r"`[^`\n]*`", "", FENCE.sub("", text))


def anchors(page: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces as hyphens, repeats numbered."""
    seen: dict[str, int] = {}
    out = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*$", FENCE.sub("", page.read_text()), re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.replace("`", "").strip().lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def test_the_docs_exist():
    names = {p.name for p in DOCS.glob("*.md")}
    assert {"commands.md", "configuration.md", "gps.md", "review.md", "privacy.md", "detector.md",
            "benchmarks.md", "development.md"} <= names  # fmt: skip


def test_the_readme_stays_a_front_page():
    words = len((REPO / "README.md").read_text().split())
    assert words <= 1200, f"README.md has {words} words: move the detail into docs/"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_points_at_a_file_and_heading_that_exist(page):
    broken = []
    for target in LINK.findall(prose(page.read_text())):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...: not ours to check
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no such file")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(f"{target}: no heading #{anchor} in {file.relative_to(REPO)}")
    assert not broken, f"{page.relative_to(REPO)}: " + "; ".join(broken)


def test_every_command_is_in_docs_commands():
    table = [line.split("|")[1] for line in (DOCS / "commands.md").read_text().splitlines() if line.startswith("| `")]
    listed = {m for cell in table for m in re.findall(r"`([a-z-]+)[ `]", cell)}
    missing = sorted(set(COMMANDS) - listed)
    assert not missing, f"add a row to docs/commands.md for: {', '.join(missing)}"


def documented_default(value) -> str:
    """How docs/configuration.md writes a default."""
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "unset"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, Path):
        return f'"{value}"'
    if isinstance(value, list):
        return f"{len(value)} items" if value else "[]"
    return repr(value)


def test_every_setting_is_in_docs_configuration_with_its_default():
    text = (DOCS / "configuration.md").read_text()
    sections = dict(re.findall(r"^## \[(\w+)\]\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL))
    config = Config()
    wrong = []
    for name, field in Config.model_fields.items():
        model = field.annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        rows = dict(re.findall(r"^\| `(\w+)` \| `([^`]*)` \|", sections.get(name, ""), re.MULTILINE))
        for key in model.model_fields:
            want = documented_default(getattr(getattr(config, name), key))
            if key not in rows:
                wrong.append(f"[{name}] {key}: missing (default `{want}`)")
            elif rows[key] != want:
                wrong.append(f"[{name}] {key}: documented `{rows[key]}`, the code says `{want}`")
        wrong += [f"[{name}] {key}: no such setting" for key in rows.keys() - model.model_fields.keys()]
    assert not wrong, "docs/configuration.md: " + "; ".join(wrong)


def test_the_configuration_example_is_a_valid_config(tmp_path):
    example = re.search(r"^```toml\n(.*?)^```", (DOCS / "configuration.md").read_text(), re.MULTILINE | re.DOTALL)
    assert example
    tomllib.loads(example.group(1))
    path = tmp_path / "config.toml"
    path.write_text(example.group(1))
    load_config(path)
