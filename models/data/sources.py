"""Which public sources the real-photo set may draw from: the one place that lists refused repositories and licences.

* ``EXCLUDED``: repositories kept for an independent evaluation of the detector (issue 18), and the forks and copies
  of them that the collector found (``SOURCES.md`` of the collected set). No image of theirs may enter a training or
  validation set built by this project, or that evaluation means nothing.
* ``ALREADY_USED``: repositories whose photos are in ``../shared/data`` already; taking them again would put the
  shared validation photos into the real set's training split.
* ``_ALLOWED``: the licence families the issue allows (MIT, Apache-2.0, BSD, CC0, CC-BY, CC-BY-SA, GPL, ISC,
  Unlicense), as SPDX identifiers or their prefixes. Non-commercial, no-derivatives and unknown licences are refused.

Repository names are compared without case (GitHub treats ``Owner/Name`` and ``owner/name`` as one).
"""

from __future__ import annotations

import re

EXCLUDED: dict[str, str] = {
    name.lower(): why
    for names, why in (
        (
            (
                "Anshukondawar/CCTV", "ElenaJLee8/MDDN201Project1", "Liam710/MDDN201_Ass1", "ModHussain/CCTV",
                "Pratiyush8/simple-securities", "UNDO-project/UNDO-cctv-detection", "YawEffah/iddiz_security_systems",
                "aml49/we-security", "gaurav-au9/cctv", "hannahsinkins/MDDN201-Project-1-Inf",
                "raisschultz/raisschultz.github.io", "robocall/sous",
            ),
            "kept for the independent evaluation (issue 18)",
        ),
        (
            ("jethronap/UNDO-cctv-detection", "jethronap/cctv-detection-UNDO"),
            "a copy of UNDO-project/UNDO-cctv-detection, kept for the independent evaluation (issue 18)",
        ),
    )
    for name in names
}
ALREADY_USED: dict[str, str] = {
    "foggedlens/deflock": "already in ../shared/data/real, whose val photos must stay out of training",
}

# SPDX identifiers, matched whole and without case.
_ALLOWED = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"MIT", r"ISC", r"Unlicense", r"0BSD", r"Apache-2\.0", r"CC0-1\.0", r"BSD-[234]-Clause(-[A-Za-z]+)?",
        r"CC-BY-\d\.\d", r"CC-BY-SA-\d\.\d", r"GPL-[23]\.0(-only|-or-later|\+)?",
    )
)
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def repo_refusal(repo: str) -> str | None:
    """Why a repository may not be used (``None`` when it may)."""
    if not _REPO.match(repo or "") or any(part in (".", "..") for part in repo.split("/")):
        return f"not a GitHub owner/name: {repo!r}"
    key = repo.lower()
    return EXCLUDED.get(key) or ALREADY_USED.get(key)


def licence_refusal(licence: str) -> str | None:
    """Why a licence is not allowed (``None`` when it is). ``licence``: one SPDX identifier, e.g. ``CC-BY-SA-2.0``."""
    spdx = (licence or "").strip()
    if not spdx:
        return "no licence given"
    if any(p.fullmatch(spdx) for p in _ALLOWED):
        return None
    if re.search(r"-(NC|ND)(-|$)", spdx, re.IGNORECASE):
        return f"licence {spdx!r} forbids commercial use or derivatives"
    return (
        f"licence {spdx!r} is not an allowed licence (one SPDX identifier of MIT, Apache-2.0, BSD, CC0, CC-BY, "
        "CC-BY-SA, GPL, ISC, Unlicense)"
    )
