"""The command line as a user meets it: help with examples, and one clear line for each kind of bad input."""

from __future__ import annotations

import subprocess
import sys

import pytest
from helpers.cli import one_error_line
from helpers.walkmaker import make_walk

from sousveillance.device.bench.cli import BENCHES
from sousveillance.main import COMMANDS, cli


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "sousveillance", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def test_python_dash_m_and_version():
    out = run("--version")
    assert out.returncode == 0 and "sousveillance" in out.stdout


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_with_an_example(name):
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"'sousveillance {name} --help' shows no example"
    assert "Not available" not in result.output


@pytest.mark.parametrize("name", sorted(BENCHES))
def test_every_bench_imports_and_has_help(name):
    # `bench loop` once failed at import (a name moved to detect.settings) while the group's --help still listed it
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["bench", name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Not available" not in result.output and "Usage:" in result.output


def test_a_command_whose_extra_is_missing_says_which_module_it_needs(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from sousveillance.lazy import LazyGroup

    (tmp_path / "needs_blender.py").write_text("import bpy_not_installed_here\n")
    (tmp_path / "broken_command.py").write_text("from click import no_such_name\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    lazy = LazyGroup("sv", lazy={"render": ("needs_blender:render", "Render images."),
                                 "broken": ("broken_command:cmd", "A command with a bug.")})
    listed = CliRunner().invoke(lazy, ["--help"])
    assert listed.exit_code == 0 and "render" in listed.output and "Render images." in listed.output
    result = CliRunner().invoke(lazy, ["render", "--count", "1"])
    assert result.exit_code == 1 and "needs the Python module 'bpy_not_installed_here'" in result.output
    assert "Traceback" not in result.output
    help_ = CliRunner().invoke(lazy, ["render", "--help"])
    assert "bpy_not_installed_here" in help_.output
    broken = CliRunner().invoke(lazy, ["broken"])  # a bug is not dressed up as a missing extra
    assert broken.exit_code != 0 and isinstance(broken.exception, ImportError)


def test_replay_bad_inputs_each_give_one_clear_line(tmp_path):
    walk = make_walk(tmp_path / "rec", frames=10)
    db = str(tmp_path / "walks.db")
    assert "video not found" in one_error_line(run("replay", str(tmp_path / "nope.mp4"), "--nmea", str(walk.nmea),
                                                   "--db", db))
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00garbage" * 1000)
    assert "cannot decode video" in one_error_line(run("replay", str(junk), "--nmea", str(walk.nmea), "--db", db))
    gpx = tmp_path / "notimes.gpx"
    gpx.write_text('<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
                   '<trkpt lat="43.3" lon="5.37"/><trkpt lat="43.31" lon="5.37"/></trkseg></trk></gpx>')
    assert "no timestamps" in one_error_line(run("replay", str(walk.video), "--gpx", str(gpx), "--db", db))
    nmea = tmp_path / "garbage.nmea"
    nmea.write_text("$GPRMC,garbage*00\nnot nmea at all\n\x00\x01\x02\n")
    assert "no valid fix" in one_error_line(run("replay", str(walk.video), "--nmea", str(nmea), "--db", db))
    assert "model file not found" in one_error_line(
        run("replay", str(walk.video), "--nmea", str(walk.nmea), "--db", db, "--model", str(tmp_path / "missing.pt")))
    assert "invalid setting detector.imgsz" in one_error_line(run("replay", str(walk.video), "--db", db, "--imgsz",
                                                                  "5"))
