"""The review web view: confirm, fix or reject every camera of a walk, on a phone in the street or a laptop.

``sousveillance review DB`` (``cli.py``) serves ``app.build_app``: pages (Jinja templates, plain JS, vendored
Leaflet, no build step, no CDN), a JSON API, crops, offline tiles (``tiles.py`` MBTiles, ``pmtiles.py``) and exports
(the one export stack, ``sync.export``, as ``sousveillance export`` writes them). Decisions are written at once and
undoable (``decisions.py``, table ``decisions``); access rules in ``security.py``; walker privacy zones in
``privacy.py``.
"""
