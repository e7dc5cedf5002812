"""Docs enforced by tests: the Pi guide covers what the issue asks, its pins agree with pyproject, the commands have
help with examples, and every service setting is documented."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from click.testing import CliRunner
from packaging.requirements import Requirement

from sousveillance.device.service.cli import install_service, status
from sousveillance.device.service.settings import ServiceSettings
from sousveillance.device.service.units import TEMPLATES

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "systemd" / "PI_GUIDE.md"
CONSTRAINTS = REPO / "systemd" / "pi-constraints.txt"


def test_the_pi_guide_covers_the_device_setup():
    text = GUIDE.read_text()
    for needle in (
        "Bookworm",
        "apt install",
        "python3-picamera2",
        "gpsd",
        "--system-site-packages",
        "NCNN",
        "nmcli",
        "Pi 4",
        "Pi 5",
        "fps",
        "install-service",
        "pi-constraints.txt",
        "sync-token",
        *TEMPLATES.keys() - {"sousveillance-sync.service"},
    ):
        assert needle in text, needle


def test_the_pi_pins_satisfy_the_project_requirements():
    """The pinned versions must still be inside pyproject's ranges, or pip on the Pi cannot resolve."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    wanted = {Requirement(r).name: Requirement(r).specifier for r in project}
    pins = [
        Requirement(line.split("#")[0]) for line in CONSTRAINTS.read_text().splitlines() if line.split("#")[0].strip()
    ]
    numpy = next(p for p in pins if p.name == "numpy")
    version = str(next(iter(numpy.specifier))).lstrip("=")
    assert version == "1.24.2" and wanted["numpy"].contains(version)
    opencv = next(p for p in pins if p.name == "opencv-python-headless")  # the base install's OpenCV
    assert opencv.specifier.contains("4.11.0.86") and wanted["opencv-python-headless"].contains("4.11.0.86")
    assert not opencv.specifier.contains("4.12.0.88")  # needs numpy 2


def test_both_commands_have_help_with_an_example():
    for command in (status, install_service):
        out = CliRunner().invoke(command, ["--help"]).output
        assert re.search(r"Examples?:\n\s+(sudo )?\S*sousveillance ", out), out


def test_every_service_setting_has_a_description_and_a_default():
    for name, info in ServiceSettings.model_fields.items():
        assert info.description and not info.is_required(), name
