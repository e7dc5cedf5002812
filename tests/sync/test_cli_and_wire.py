"""Every sync command documents itself with an example; the wire schema is what the devices and server share."""

from __future__ import annotations

import json
import re

import click
import pytest
from click.testing import CliRunner
from sync_helpers import build_feature

from sousveillance.sync.cli import export, sync
from sousveillance.sync.osm.cli import osm
from sousveillance.sync.server.bench import bench_server
from sousveillance.sync.server.cli import server
from sousveillance.sync.wire import FeatureError, schema, validate_feature


def _commands(cmd: click.Command, path: str):
    yield path, cmd
    if isinstance(cmd, click.Group):
        for name, sub in cmd.commands.items():
            yield from _commands(sub, f"{path} {name}")


ALL = [
    p
    for root, name in [
        (server, "server"),
        (sync, "sync"),
        (export, "export"),
        (osm, "osm"),
        (bench_server, "bench server"),
    ]
    for p in _commands(root, name)
]


@pytest.mark.parametrize("path,cmd", ALL, ids=[p for p, _ in ALL])
def test_every_command_has_help_with_an_example(path, cmd):
    result = CliRunner().invoke(cmd, ["--help"])
    assert result.exit_code == 0
    assert "Example" in result.output and "sousveillance" in result.output, path


def test_schema_is_versioned_and_forbids_plain_direction():
    assert schema()["$id"].endswith("camera-feature-v1.json")
    feat = build_feature(48.85, 2.3, "ptz", direction=361.0 - 1)
    assert feat["properties"]["tags"]["camera:direction"] == "0"
    assert "direction" not in feat["properties"]["tags"]
    assert feat["properties"]["tags"]["camera:type"] == "panning"
    bad = json.loads(json.dumps(feat))
    bad["properties"]["tags"]["direction"] = "90"
    with pytest.raises(FeatureError, match="direction"):
        validate_feature(bad)
    extra = json.loads(json.dumps(feat))
    extra["properties"]["home_address"] = "somewhere"
    with pytest.raises(FeatureError, match="Additional properties"):
        validate_feature(extra)


def test_server_admin_commands(tmp_path):
    db = str(tmp_path / "campaign.db")
    runner = CliRunner()
    added = runner.invoke(server, ["device", "add", "alice-pi", "--db", db])
    assert added.exit_code == 0 and re.match(r"^sv_[\w-]{40,}$", added.stdout.splitlines()[0])
    again = runner.invoke(server, ["device", "add", "alice-pi", "--db", db])
    assert again.exit_code != 0 and "already exists" in again.output
    listed = runner.invoke(server, ["device", "list", "--db", db])
    assert "alice-pi\tactive" in listed.output and added.stdout.splitlines()[0] not in listed.output
    assert runner.invoke(server, ["device", "revoke", "alice-pi", "--db", db]).exit_code == 0
    assert "revoked" in runner.invoke(server, ["device", "list", "--db", db]).output
    assert runner.invoke(server, ["device", "revoke", "alice-pi", "--db", db]).exit_code != 0
    out = tmp_path / "map.osm"
    exported = runner.invoke(server, ["export", "--db", db, "--format", "osm", "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    bad = runner.invoke(server, ["device", "list", "--db", "postgresql://nobody@127.0.0.1:1/none"])
    assert bad.exit_code != 0 and "cannot open campaign database" in bad.output


def test_bench_prints_rate_p99_cpu_and_the_ceiling(tmp_path):
    result = CliRunner().invoke(bench_server, ["--backend", "sqlite", "--devices", "3", "--per-device", "2"])
    assert result.exit_code == 0, result.output
    assert re.search(r"ceiling\s+6 submissions .*/s .*p99 .*server [0-9.]+ ms, client [0-9.]+ ms", result.output)
    assert re.search(r"sqlite\s+6 submissions .*/s .*p99 .* errors 0  duplicates 0  lost 0", result.output)
    assert re.search(r"[0-9.]+ of the ceiling", result.output)


def test_csv_export_neutralises_spreadsheet_formulas():
    import csv
    import io

    from sousveillance.sync.export import ExportCamera, to_csv

    cam = ExportCamera(
        "u1", 48.85, 2.3, {"man_made": "surveillance"}, {"reviewer": '=HYPERLINK("x")', "direction": -5.0}
    )
    row = next(csv.DictReader(io.StringIO(to_csv([cam]))))
    assert row["reviewer"] == '\'=HYPERLINK("x")' and row["direction"] == "-5.0"
