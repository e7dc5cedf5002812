"""sousveillance: map the surveillance cameras that watch a street.

The import name ``sousveillance`` is this small root package; the repository's ``device/``, ``models/`` and
``sync/`` folders are its sub-packages (see pyproject.toml).
"""

__version__ = "0.1.0"
