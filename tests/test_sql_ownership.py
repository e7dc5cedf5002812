"""One owner per table: SQL against the walk database lives in ``device/store`` and the sync repository only.

Every other module goes through ``Store`` (typed rows) or ``SyncRepository``. The campaign server's own database
(``sync/server``) and the MBTiles reader (a user's tile archive, not the walk database) have their own SQL.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OWNERS = (
    "device/store/",  # the walk database and its migrations
    "sync/repository.py",  # the walk database's sync outbox and OSM tables
    # the campaign server's own database: schema, migrations, the writer's and the readers' queries
    *(
        f"sync/server/{m}.py"
        for m in (
            "repo",
            "tables",
            "engine",
            "migrate",
            "db",
            "writes",
            "mapstate",
            "reads",
            "auth",
            "spatial",
            "pgtemp",
        )
    ),
    "sync/server/ceiling.py",  # the server benchmark's minimal endpoint (a throwaway SQLite file of its own)
    "sync/server/mvt.py",  # MBTiles written by 'server dump' (a tile archive, not a database of ours)
    "device/review/mbtiles.py",  # MBTiles basemaps (SQLite tile archives given by the user)
)
SQL = re.compile(
    r"\bSELECT\b.*\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b|"
    r"\b(CREATE|DROP|ALTER)\s+(TABLE|INDEX)\b|"
    r"\bPRAGMA\s+\w+",
    re.S,
)
DB_CALLS = {"execute", "executemany", "executescript", "query", "rows_where", "insert_all", "upsert", "count_where"}


def _violations(path: Path) -> list[str]:
    rel = path.relative_to(ROOT).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
            found.append(f"{rel}:{node.lineno}: SQL text {node.value.strip()[:50]!r}")
        elif isinstance(node, ast.Attribute) and node.attr in DB_CALLS:
            found.append(f"{rel}:{node.lineno}: database call .{node.attr}()")
        elif (
            isinstance(node, ast.Attribute) and node.attr == "db" and isinstance(node.value, (ast.Name, ast.Attribute))
        ):
            found.append(f"{rel}:{node.lineno}: reaches into a store's connection (.db)")
        elif isinstance(node, ast.Attribute) and node.attr == "connect" and getattr(node.value, "id", "") == "sqlite3":
            found.append(f"{rel}:{node.lineno}: opens SQLite itself (sqlite3.connect)")
    return found


def test_no_sql_outside_the_store_and_the_repositories():
    sources = [p for top in ("device", "sync", "models") for p in sorted((ROOT / top).rglob("*.py"))]
    assert len(sources) > 100
    found = [v for p in sources if not p.relative_to(ROOT).as_posix().startswith(OWNERS) for v in _violations(p)]
    assert found == [], "\n".join(found)


def test_the_check_finds_sql_where_it_is():
    found = _violations(ROOT / "sync" / "repository.py")
    assert any("SQL text" in v for v in found) and any(".query()" in v for v in found)
