"""The command line as a user meets it: help with examples, and one clear line for each kind of bad input."""

from __future__ import annotations

import subprocess
import sys

import pytest
from helpers.walkmaker import make_walk

from sousveillance.main import COMMANDS, cli


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "sousveillance", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_python_dash_m_and_version():
    out = run("--version")
    assert out.returncode == 0 and "sousveillance" in out.stdout


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_with_an_example(name):
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"'sousveillance {name} --help' shows no example"
    assert "Not available in this build" not in result.output


def one_error_line(out):
    lines = [l for l in out.stderr.strip().splitlines() if l.strip()]
    assert out.returncode == 1, out.stderr + out.stdout
    errors = [l for l in lines if l.startswith("Error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], out.stderr  # warnings may come first, never a traceback
    assert "Traceback" not in out.stderr
    return errors[0]


def test_replay_bad_inputs_each_give_one_clear_line(tmp_path):
    walk = make_walk(tmp_path / "rec", frames=10)
    db = str(tmp_path / "walks.db")
    assert "video not found" in one_error_line(run("replay", str(tmp_path / "nope.mp4"), "--nmea", str(walk.nmea), "--db", db))
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
    assert "invalid setting detector.imgsz" in one_error_line(run("replay", str(walk.video), "--db", db, "--imgsz", "5"))
