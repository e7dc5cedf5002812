"""Every `sousveillance model` command has help text with an example."""

import pytest
from click.testing import CliRunner

from sousveillance.models.cli import model

COMMANDS = ["import-tflite", "dataset", "convert", "train", "soup", "eval", "export", "realset", "realset fetch",
            "realset split", "realset check", "realset labels"]


@pytest.mark.parametrize("name", COMMANDS)
def test_help_has_an_example(name):
    result = CliRunner().invoke(model, [*name.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output or "Examples:" in result.output
    assert f"sousveillance model {name}" in result.output


def test_group_lists_every_command_and_synth():
    result = CliRunner().invoke(model, ["--help"])
    for name in [*(c for c in COMMANDS if " " not in c), "synth"]:
        assert name in result.output
