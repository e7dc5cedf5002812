"""``python -m sousveillance.models.synth``: the synth commands without the main CLI."""

from .cli import synth

if __name__ == "__main__":
    synth(prog_name="python -m sousveillance.models.synth")
