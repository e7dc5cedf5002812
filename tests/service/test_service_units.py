"""The systemd units: what ships in systemd/ is what install-service writes, and Debian's systemd accepts every unit."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sousveillance.device.service import units

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "systemd"
UNIT_NAMES = sorted(units.TEMPLATES)

needs_systemd = pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs Debian's systemd package")


def venv_command() -> str:
    """The sousveillance console script of the Python running the tests (it exists, so verify can check it)."""
    script = Path(sys.executable).parent / "sousveillance"
    if not script.exists():
        pytest.skip("the sousveillance command is not installed next to this Python")
    return str(script)


def verify(folder: Path) -> tuple[int, list[str]]:
    """systemd-analyze verify on every unit in ``folder``; returns its exit code and the lines about our units.

    verify exits 0 on unknown keys or bad values (it only warns), so any line naming one of our files fails too.
    """
    names = sorted(p.name for p in folder.iterdir() if p.name.startswith("sousveillance-"))
    done = subprocess.run(
        ["systemd-analyze", "verify", *names], cwd=folder, capture_output=True, text=True, timeout=120
    )
    lines = [ln for ln in (done.stdout + done.stderr).splitlines() if "sousveillance" in ln]
    return done.returncode, lines


def directives(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            out.setdefault(key, []).append(value)
    return out


def test_the_shipped_units_are_the_rendered_templates():
    """systemd/ is generated from device/service/units.py (regenerate: python -m sousveillance.device.service.units)."""
    rendered = units.render()
    assert sorted(p.name for p in SHIPPED.glob("sousveillance-*")) == UNIT_NAMES
    for name, text in rendered.items():
        assert (SHIPPED / name).read_text() == text, f"systemd/{name} is out of date"


@needs_systemd
def test_systemd_accepts_every_shipped_unit(tmp_path):
    """The shipped units name /opt/sousveillance/venv (the Pi guide's venv). verify insists that ExecStart exists,
    so the copies checked here differ from the shipped files only in that one path: this test's own venv."""
    exe = venv_command()
    for name in UNIT_NAMES:
        text = (SHIPPED / name).read_text()
        (tmp_path / name).write_text(text.replace(units.DEFAULT_EXEC, exe))
    code, problems = verify(tmp_path)
    assert code == 0 and problems == []


@needs_systemd
def test_verify_would_catch_a_broken_unit(tmp_path):
    """The check above is not vacuous: a typo in a key or a value is reported."""
    text = units.render(units.UnitOptions(exec_path=venv_command()))["sousveillance-survey.service"]
    broken = text.replace("WatchdogSec=", "WatchdogSecs=").replace("ProtectSystem=strict", "ProtectSystem=stricter")
    (tmp_path / "sousveillance-survey.service").write_text(broken)
    _, problems = verify(tmp_path)
    assert any("WatchdogSecs" in p for p in problems) and any("protect system" in p.lower() for p in problems)


def test_the_survey_unit_is_a_hardened_notify_service_with_a_watchdog():
    d = directives((SHIPPED / "sousveillance-survey.service").read_text())
    assert d["Type"] == ["notify"] and d["NotifyAccess"] == ["main"] and int(d["WatchdogSec"][0]) > 0
    assert d["Restart"] == ["on-failure"]
    assert "gpsd.socket" in d["Wants"][0] and "gpsd.socket" in d["After"][0]
    assert d["User"] == ["sousveillance"] and d["SupplementaryGroups"] == ["video"]
    assert d["StateDirectory"] == ["sousveillance"]
    assert d["ProtectSystem"] == ["strict"] and d["NoNewPrivileges"] == ["yes"] and d["PrivateTmp"] == ["yes"]
    assert d["ExecStart"] == [f"{units.DEFAULT_EXEC} survey --config /etc/sousveillance/config.toml --service"]
    assert "PrivateDevices" not in d and "DeviceAllow" not in d  # the camera needs /dev/video*, /dev/dma_heap


def test_the_sync_token_comes_as_a_credential_and_the_timer_waits_for_the_network():
    service = directives((SHIPPED / "sousveillance-sync.service").read_text())
    timer = directives((SHIPPED / "sousveillance-sync.timer").read_text())
    assert service["LoadCredential"] == ["sync-token:/etc/sousveillance/sync-token"]
    assert "network-online.target" in service["After"][0] and "network-online.target" in service["Wants"][0]
    assert service["ConditionPathExists"] == ["/etc/sousveillance/sync-token"]  # no token: the timer stays quiet
    assert timer["WantedBy"] == ["timers.target"]
    environment = [line for k, v in service.items() if k == "Environment" for line in v]
    assert not any("token" in line.lower() for line in environment)


def test_a_path_with_spaces_is_refused():
    with pytest.raises(ValueError, match="without spaces"):
        units.render(units.UnitOptions(exec_path="/opt/my venv/bin/sousveillance"))


@pytest.mark.parametrize("name", [n for n in UNIT_NAMES if n.endswith(".service")])
def test_every_exec_start_names_a_command_and_options_that_exist(name):
    """A unit that calls an option the command lacks fails at boot, not here, unless we check."""
    from click.testing import CliRunner

    from sousveillance.main import cli

    exec_start = directives((SHIPPED / name).read_text())["ExecStart"][0].split()
    command, options = exec_start[1], [a for a in exec_start[2:] if a.startswith("--")]
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Not available in this build" not in result.output
    for option in options:
        assert option in result.output, f"{name}: `sousveillance {command}` has no {option}"
