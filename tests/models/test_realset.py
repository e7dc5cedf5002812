"""The real-photo set: the manifest refuses what may not be used, the split keeps sources apart, fetch checks blobs."""

from __future__ import annotations

import hashlib
import http.server
import io
import shutil
import subprocess
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from sousveillance.models.cli import model
from sousveillance.models.data import realset as rs
from sousveillance.models.data.assemble import assemble, realset_sources
from sousveillance.models.data.fetch import fetch_all, from_mirror, over_https
from sousveillance.models.data.sources import EXCLUDED
from sousveillance.models.data.yolo import IMAGE_SUFFIXES, YoloBox, read_labels

SHA0 = "0" * 64


def _row(file, repo="alice/photos", licence="MIT", sha=None, commit="a" * 40, path=None, kind="cams"):
    sha = sha or hashlib.sha256(file.encode()).hexdigest()
    return rs.RealPhoto(file, repo, commit, path or f"img/{file}", licence, sha, 640, 480, kind)


def _manifest(tmp_path, photos):
    path = tmp_path / "manifest.csv"
    rs.write_manifest(photos, path)
    return path


def test_manifest_refuses_excluded_repositories_bad_licences_and_copies(tmp_path):
    photos = [
        _row("ok.jpg"),
        _row("eval.jpg", repo="robocall/sous"),
        _row("eval-case.jpg", repo="UNDO-Project/UNDO-CCTV-detection"),  # GitHub names ignore case
        _row("fork.jpg", repo="jethronap/UNDO-cctv-detection"),  # a copy named in SOURCES.md
        _row("shared.jpg", repo="FoggedLens/deflock"),  # already in ../shared/data/real
        _row("nc.jpg", licence="CC-BY-NC-4.0"),
        _row("agpl.jpg", licence="AGPL-3.0"),
        _row("text.jpg", licence="GPL-3.0 (LICENSE.md of the theme)"),
        _row("copy.jpg", repo="bob/other", sha=_row("ok.jpg").sha256),  # the same blob in another repository
        _row("bad-sha.jpg", sha="xyz"),
        _row("ok.jpeg"),  # same stem as ok.jpg: both would be ok.jpg in the set
        _row("up.jpg", path="../../etc/passwd"),
        _row("cc.jpg", licence="CC-BY-SA-4.0", repo="carol/blog", kind="negative"),
    ]
    m = rs.read_manifest(_manifest(tmp_path, photos))
    assert [p.file for p in m.photos] == ["ok.jpg", "cc.jpg"]
    why = {r.file: r.reason for r in m.refused}
    assert set(why) == {p.file for p in photos} - {"ok.jpg", "cc.jpg"}
    assert "independent evaluation" in why["eval.jpg"] and "independent evaluation" in why["eval-case.jpg"]
    assert "copy of UNDO-project" in why["fork.jpg"]
    assert "shared/data/real" in why["shared.jpg"]
    assert "commercial" in why["nc.jpg"] and "not an allowed licence" in why["agpl.jpg"]
    assert "not an allowed licence" in why["text.jpg"]
    assert "same image" in why["copy.jpg"] and "repeats" in why["ok.jpeg"]
    assert "sha256" in why["bad-sha.jpg"] and "inside the repository" in why["up.jpg"]
    assert str(m.refused[0]).startswith("manifest line 3 (eval.jpg): refused: ")


def test_manifest_accepts_the_collectors_spelling_and_names_a_missing_column(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("file,repo,commit,path,license,sha256,kind\n"
                    f"a.jpg,alice/photos,{'b' * 40},a.jpg,Apache-2.0,{SHA0},cams\n")  # fmt: skip
    assert rs.read_manifest(path).photos[0].licence == "Apache-2.0"
    path.write_text("file,repo,commit,path\n")
    with pytest.raises(rs.ManifestError, match=r"missing column.*licence"):
        rs.read_manifest(path)


def test_split_by_repository_is_deterministic_and_never_shares_a_source():
    photos = [_row(f"r{r}-{i}.jpg", repo=f"owner{r}/repo") for r in range(12) for i in range(r % 4 + 1)]
    split = rs.assign_splits(photos)
    assert split == rs.assign_splits(list(reversed(photos)))  # the order of the rows does not matter
    assert set(split) == {f"owner{r}/repo" for r in range(12)} and set(split.values()) == {"train", "val"}
    val = sum(1 for p in photos if split[p.repo] == "val")
    assert 0.3 <= val / len(photos) < 0.6
    one = [p for p in photos if p.repo == "owner3/repo"]
    # one repository: nothing to validate on apart
    assert len(one) == 4 and set(rs.assign_splits(one).values()) == {"train"}
    two = [_row("a.jpg", repo="a/a"), _row("b.jpg", repo="b/b")]
    assert sorted(rs.assign_splits(two).values()) == ["train", "val"]


def test_committed_manifest_split_and_labels_agree():
    m = rs.read_manifest(rs.MANIFEST)
    assert m.refused == [] and len(m.photos) >= 4
    assert rs.read_split(rs.SPLIT) == rs.assign_splits(m.photos)  # split.yaml is what `realset split` writes
    stems = {p.stem for p in m.photos}
    for label in rs.LABELS_DIR.glob("*.txt"):
        assert label.stem in stems, f"{label.name} labels no photo of the manifest"
        read_labels(label)
    committed = subprocess.run(["git", "ls-files", str(rs.REALSET_DIR)], capture_output=True, text=True,
                               cwd=rs.REALSET_DIR).stdout.split()  # fmt: skip
    assert not [f for f in committed if Path(f).suffix.lower() in IMAGE_SUFFIXES], "photos are never committed"


# -- fetch -----------------------------------------------------------------------------------------------------
def _jpeg(w, h, seed, orientation=None) -> bytes:
    from PIL import Image

    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
    pixels[: h // 4, : w // 4] = (255, 0, 0)  # red top-left corner (RGB), to see the orientation
    buf = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    Image.fromarray(pixels).save(buf, "JPEG", quality=90, exif=exif.tobytes())
    return buf.getvalue()


@pytest.fixture
def mirror(tmp_path):
    """A real git repository holding three photos, as the fetch tool lays mirrors out (owner+name/repo)."""
    work = tmp_path / "work"
    (work / "img").mkdir(parents=True)
    blobs = {"wide.jpg": _jpeg(3000, 1000, 1), "turned.jpg": _jpeg(300, 200, 2, orientation=6),
             "small.jpg": _jpeg(320, 240, 3)}  # fmt: skip
    for name, data in blobs.items():
        (work / "img" / name).write_bytes(data)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-C", str(work)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "photos"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    root = tmp_path / "mirror"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(root / "alice+photos" / "repo")], check=True)
    shutil.rmtree(work)
    rows = [rs.RealPhoto(n, "alice/photos", commit, f"img/{n}", "MIT", hashlib.sha256(d).hexdigest(), 0, 0, "cams")
            for n, d in blobs.items()]  # fmt: skip
    return root, rows


def test_fetch_from_a_git_mirror_checks_every_blob_and_normalises(mirror, tmp_path):
    root, rows = mirror
    tampered = rs.RealPhoto(**{**{f: getattr(rows[2], f) for f in rs.COLUMNS}, "file": "tampered.jpg", "sha256": SHA0})
    gone = rs.RealPhoto(**{**{f: getattr(rows[2], f) for f in rs.COLUMNS}, "file": "gone.jpg", "path": "img/gone.jpg"})
    out = tmp_path / "images"
    s = fetch_all([rows[0], tampered, gone, rows[1], rows[2]], out, from_mirror(root))
    assert sorted(s.fetched) == ["small.jpg", "turned.jpg", "wide.jpg"]  # the rest is still fetched
    assert len(s.refused) == 2
    assert s.refused[0].startswith("tampered.jpg: refused: sha256") and "\n" not in s.refused[0]
    assert s.refused[1].startswith("gone.jpg: refused: ") and "not in the mirror" in s.refused[1]
    assert not (out / "tampered.jpg").exists()
    wide = cv2.imread(str(out / "wide.jpg"))
    assert wide.shape[:2] == (683, 2048)  # long side at most 2048
    turned = cv2.imread(str(out / "turned.jpg"))
    assert turned.shape[:2] == (300, 200)  # EXIF orientation 6 applied: the pixels stand upright
    b, g, r = turned[10, -10].astype(int)
    assert r > 200 and g < 60 and b < 60  # the red corner turned to the top right
    again = fetch_all(rows, out, from_mirror(root))
    assert again.kept == ["wide.jpg", "turned.jpg", "small.jpg"] and not again.fetched


def test_fetch_command_reports_each_refusal_in_one_line_and_exits_1(mirror, tmp_path):
    root, rows = mirror
    bad = rs.RealPhoto(**{**{f: getattr(rows[0], f) for f in rs.COLUMNS}, "file": "other.jpg", "sha256": SHA0})
    manifest = _manifest(tmp_path, [*rows, bad])
    args = ["realset", "fetch", "--mirror", str(root), "-o", str(tmp_path / "im"), "--manifest", str(manifest)]
    result = CliRunner().invoke(model, args)
    assert result.exit_code == 1, result.output
    lines = [ln for ln in result.output.splitlines() if "refused: sha256" in ln]
    assert len(lines) == 1 and lines[0].startswith("other.jpg")
    assert "3 fetched" in result.output
    assert CliRunner().invoke(model, ["realset", "fetch", "--manifest", str(manifest)]).exit_code == 2  # no source


def test_fetch_over_https_from_a_loopback_server(mirror, tmp_path):
    """The HTTPS path's code, against a local server laid out like raw.githubusercontent.com (no internet)."""
    root, rows = mirror
    served = tmp_path / "raw" / "alice" / "photos" / rows[0].commit / "img"
    served.mkdir(parents=True)
    for p in rows[1:]:  # wide.jpg is not served: a 404
        served.joinpath(p.file).write_bytes(
            subprocess.run(["git", f"--git-dir={root / 'alice+photos' / 'repo'}", "cat-file", "blob",
                            f"{p.commit}:{p.path}"], capture_output=True, check=True).stdout)  # fmt: skip

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(tmp_path / "raw"), **kw)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        s = fetch_all(rows, tmp_path / "im", over_https(f"http://127.0.0.1:{srv.server_port}", timeout_s=10))
    finally:
        srv.shutdown()
    assert sorted(s.fetched) == ["small.jpg", "turned.jpg"]
    assert len(s.refused) == 1 and "HTTP 404" in s.refused[0]


# -- the dataset builder -----------------------------------------------------------------------------------------
def test_dataset_builder_refuses_photos_of_excluded_repositories(tmp_path):
    images, labels = tmp_path / "images", tmp_path / "labels"
    images.mkdir()
    repos = ["alice/photos", "bob/street", "robocall/sous", "jethronap/cctv-detection-UNDO"]
    photos = []
    for n, repo in enumerate(repos):
        photo = _row(f"p{n}.jpg", repo=repo)
        cv2.imwrite(str(images / photo.image_name), np.full((480, 640, 3), 40 * n, np.uint8))
        labels.mkdir(exist_ok=True)
        (labels / f"{photo.stem}.txt").write_text(YoloBox.from_pixels(0, 100, 100, 140, 130, 640, 480).line() + "\n")
        photos.append(photo)
    photos.append(_row("unlabelled.jpg", repo="alice/photos"))
    cv2.imwrite(str(images / "unlabelled.jpg"), np.zeros((48, 64, 3), np.uint8))
    manifest = _manifest(tmp_path, photos)
    split = tmp_path / "split.yaml"
    rs.write_split(rs.read_manifest(manifest).photos, split, val_share=0.5)
    sources, notes = realset_sources(images, manifest=manifest, labels_dir=labels, split_file=split)
    s = assemble(tmp_path / "ds", sources, imgsz=640, tile=False)
    used = {p.name for d in ("train", "val") for p in (tmp_path / "ds" / "images" / d).iterdir()}
    assert used == {"realset_p0.jpg", "realset_p1.jpg"}  # nothing of the evaluation repositories
    assert sum(n for (src, _), n in s.images.items() if src == "realset") == 2
    assert len([n for n in notes if "independent evaluation" in n]) == 2
    assert any(n.startswith("unlabelled.jpg: unlabelled") for n in notes)
    val = yaml.safe_load(split.read_text())
    assert not set(val["val_repos"]) & set(val["train_repos"])
    for d in ("train", "val"):  # each split's label sits on its photo's box
        for label in (tmp_path / "ds" / "labels" / d).glob("*.txt"):
            assert read_labels(label)[0].to_pixels(640, 480) == pytest.approx((100, 100, 140, 130), abs=0.01)


def test_excluded_list_holds_every_repository_of_the_issue():
    issue = ("Anshukondawar/CCTV, ElenaJLee8/MDDN201Project1, Liam710/MDDN201_Ass1, ModHussain/CCTV, "
             "Pratiyush8/simple-securities, UNDO-project/UNDO-cctv-detection, YawEffah/iddiz_security_systems, "
             "aml49/we-security, gaurav-au9/cctv, hannahsinkins/MDDN201-Project-1-Inf, "
             "raisschultz/raisschultz.github.io, robocall/sous")  # fmt: skip
    assert {r.strip().lower() for r in issue.split(",")} <= set(EXCLUDED)
