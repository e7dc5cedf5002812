"""install-service into a temporary root (like DESTDIR): config, user, state folder, units enabled; --uninstall
takes it all back and keeps recorded walks unless --purge."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sousveillance.config import load_config
from sousveillance.device.service.cli import install_service
from sousveillance.device.service.units import ENABLE, TEMPLATES

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not all(shutil.which(t) for t in ("useradd", "userdel", "systemctl")),
    reason="needs root, shadow's useradd/userdel and systemctl (Debian CI container)",
)

ACCOUNT_FILES = ("passwd", "group", "shadow", "gshadow")


@pytest.fixture
def root(tmp_path) -> Path:
    """A small system tree: this machine's account files (with their usual '-' backups) and nothing else."""
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    for name in ACCOUNT_FILES:
        shutil.copy(f"/etc/{name}", root / "etc" / name)
        shutil.copy(f"/etc/{name}", root / "etc" / f"{name}-")
    for name in ("video", "dialout"):
        if name not in (root / "etc/group").read_text():
            pytest.skip(f"this machine has no {name} group")
    return root


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under root with its content (None for folders); shadow's '-' backups by name only (useradd and
    userdel rewrite them on every change, as on any Debian system)."""
    out: dict[str, bytes | None] = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        out[rel] = None if p.is_dir() or rel.endswith("-") else p.read_bytes()
    return out


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(install_service, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def venv_command() -> str:
    return str(Path(sys.executable).parent / "sousveillance")


def passwd_line(root: Path, user: str) -> list[str] | None:
    for line in (root / "etc/passwd").read_text().splitlines():
        if line.startswith(user + ":"):
            return line.split(":")
    return None


def test_install_then_uninstall_leaves_nothing_behind(root):
    before = snapshot(root)
    code, out = run("--root", str(root), "--exec-path", venv_command())
    assert code == 0, out
    # the config is valid and points the survey at the state folder
    config = load_config(root / "etc/sousveillance/config.toml")
    assert str(config.store.database) == "/var/lib/sousveillance/walks.db"
    # a system user with no login, in the camera and serial groups
    entry = passwd_line(root, "sousveillance")
    assert entry is not None and entry[6] == "/usr/sbin/nologin" and entry[5] == "/var/lib/sousveillance"
    groups = {ln.split(":")[0]: ln.split(":")[3].split(",") for ln in (root / "etc/group").read_text().splitlines()}
    assert "sousveillance" in groups["video"] and "sousveillance" in groups["dialout"]
    state = root / "var/lib/sousveillance"
    assert state.is_dir() and state.stat().st_uid == int(entry[2])
    # units installed, pointing at this installation, and enabled for boot
    units_dir = root / "etc/systemd/system"
    for name in TEMPLATES:
        assert (units_dir / name).is_file()
        if name.endswith(".service"):
            assert f"ExecStart={venv_command()} " in (units_dir / name).read_text()
    assert (units_dir / "multi-user.target.wants/sousveillance-survey.service").is_symlink()
    assert (units_dir / "multi-user.target.wants/sousveillance-review.service").is_symlink()
    assert (units_dir / "timers.target.wants/sousveillance-sync.timer").is_symlink()
    if shutil.which("systemd-analyze"):
        done = subprocess.run(["systemd-analyze", "verify", *TEMPLATES], cwd=units_dir, capture_output=True, text=True)
        assert done.returncode == 0 and "sousveillance" not in done.stderr, done.stderr

    code, out = run("--root", str(root), "--uninstall")
    assert code == 0, out
    assert snapshot(root) == before


def test_uninstall_keeps_recorded_walks_unless_purged(root):
    assert run("--root", str(root), "--exec-path", venv_command())[0] == 0
    walks = root / "var/lib/sousveillance/walks.db"
    walks.write_bytes(b"a walk")
    (root / "etc/sousveillance/sync-token").write_text("secret")
    code, out = run("--root", str(root), "--uninstall")
    assert code == 0 and "kept" in out and "--purge" in out
    assert walks.read_bytes() == b"a walk" and (root / "etc/sousveillance/sync-token").exists()
    assert passwd_line(root, "sousveillance") is None and not (root / "etc/sousveillance/config.toml").exists()
    assert (
        not any((root / "etc/systemd/system").glob("**/sousveillance-*")) if (root / "etc/systemd").exists() else True
    )
    code, out = run("--root", str(root), "--uninstall", "--purge")
    assert code == 0 and not walks.exists() and not (root / "etc/sousveillance").exists()


def test_a_second_install_keeps_the_edited_config(root):
    assert run("--root", str(root), "--exec-path", venv_command())[0] == 0
    config = root / "etc/sousveillance/config.toml"
    config.write_text(config.read_text().replace("port = 8080", "port = 8090"))
    code, out = run("--root", str(root), "--exec-path", venv_command())
    assert code == 0 and "kept the existing config" in out and "user sousveillance exists already" in out
    assert load_config(config).review.port == 8090
    run("--root", str(root), "--uninstall", "--purge")


def test_dry_run_changes_nothing(root):
    before = snapshot(root)
    code, out = run("--root", str(root), "--exec-path", venv_command(), "--dry-run")
    assert code == 0 and "would create the system user sousveillance" in out and "would enable" in out
    assert snapshot(root) == before


def test_a_venv_in_a_home_folder_is_refused_with_the_reason(root):
    code, out = run("--root", str(root), "--exec-path", "/home/pi/venv/bin/sousveillance")
    assert code != 0 and "ProtectHome" in out and "/opt/sousveillance" in out
    assert not (root / "etc/sousveillance").exists()


def test_purge_without_uninstall_is_a_usage_error(root):
    code, out = run("--root", str(root), "--purge")
    assert code == 2 and "--purge only goes with --uninstall" in out
    assert ENABLE  # the enabled units are the survey, the review and the sync timer
