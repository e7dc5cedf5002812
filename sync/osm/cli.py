"""``sousveillance osm``: JOSM and osmChange files, OAuth 2.0 login and the reviewed upload to OpenStreetMap."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import click

from ...device.extras import require
from ..cli_common import db_argument, load, open_store
from ..export import ExportCamera

APIS = {"dev": "https://master.apis.dev.openstreetmap.org", "production": "https://api.openstreetmap.org"}

existing_option = click.option(
    "--existing", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
    help="OSM extract (.osm/.osm.pbf) or Overpass JSON: cameras within 15 m of a mapped one are left out.",
)  # fmt: skip
comment_option = click.option("--comment", default=None, help="Changeset comment (say where and how you surveyed).")


def _drafts(cams: Sequence[ExportCamera], existing: Path | None, near: str):
    from ..export.osm import NodeDraft, already_in_osm, drafts_from
    from .existing import ExistingDataError, load_existing, near_existing

    for cam in already_in_osm(cams):
        click.echo(f"no new node for {cam.uuid}: seen again, already OpenStreetMap node {cam.osm_node_id}", err=True)
    drafts = drafts_from(cams)
    if existing is None:
        return drafts
    try:
        close = {n.draft.camera_uuid: n for n in near_existing(drafts, load_existing(existing))}
    except ExistingDataError as exc:
        raise click.ClickException(str(exc)) from exc
    kept = []
    for d in drafts:
        hit = close.get(d.camera_uuid)
        if hit is None:
            kept.append(d)
            continue
        note = f"node {hit.node.id} already mapped {hit.distance_m:.0f} m away"
        if near == "flag":
            kept.append(
                NodeDraft(d.ref, d.camera_uuid, d.latitude, d.longitude, d.tags | {"fixme": f"duplicate? {note}"})
            )
            click.echo(f"flagged {d.camera_uuid}: {note}", err=True)
        else:
            click.echo(f"skipped {d.camera_uuid}: {note}", err=True)
    return [NodeDraft(-(i + 1), d.camera_uuid, d.latitude, d.longitude, d.tags) for i, d in enumerate(kept)]


def write_osm_file(
    cams: Sequence[ExportCamera], fmt: str, output: Path, *, comment: str | None, existing: Path | None, near: str
) -> None:
    """Write a JOSM (``osm``) or osmChange (``osc``, plus ``.changeset.osm``) file and verify it as it reads back."""
    from ..export.osm import OsmFileError, changeset_tags, changeset_xml, josm_xml, osmchange_xml
    from .files import reader, write_verified

    try:
        tags = changeset_tags(comment)
        drafts = _drafts(cams, existing, near if fmt == "osm" else "skip")
        if fmt == "osm":
            write_verified(output, josm_xml(drafts, tags), drafts, tags)
        else:
            write_verified(output, osmchange_xml(drafts), drafts, None)
            cs_path = output.with_name(output.stem + ".changeset.osm")
            write_verified(cs_path, changeset_xml(tags), [], tags)
    except (OsmFileError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {output}: {len(drafts)} new camera node(s), verified with {reader()}", err=True)


def _cams(db: Path | None) -> list[ExportCamera]:
    from ..export import device_cameras

    return device_cameras(open_store(db, load()))


@click.group(
    epilog="""\b
Example:
  sousveillance osm josm walks.db -o cameras.osm --existing area.osm.pbf
  sousveillance osm login --client-id ID
  sousveillance osm upload walks.db --comment "CCTV survey of rue X" --existing overpass.json"""
)
def osm() -> None:
    """OpenStreetMap output for cameras a person confirmed. Read the Automated Edits code of conduct first."""


@osm.command("josm", epilog="\b\nExample:\n  sousveillance osm josm walks.db -o cameras.osm --existing area.osm.pbf")
@db_argument
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The .osm file.")
@existing_option
@comment_option
@click.option("--near", type=click.Choice(["skip", "flag"]), default="skip", show_default=True,
              help="Cameras near a mapped one: leave out, or keep with a fixme tag for the JOSM review.")  # fmt: skip
def josm_cmd(db: Path | None, output: Path, existing: Path | None, comment: str | None, near: str) -> None:
    """Write a JOSM file of new confirmed cameras, to review and upload in JOSM."""
    write_osm_file(_cams(db), "osm", output, comment=comment, existing=existing, near=near)


@osm.command(
    "osmchange", epilog="\b\nExample:\n  sousveillance osm osmchange walks.db -o cameras.osc --existing overpass.json"
)
@db_argument
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The .osc file.")
@existing_option
@comment_option
def osmchange_cmd(db: Path | None, output: Path, existing: Path | None, comment: str | None) -> None:
    """Write an osmChange file (and FILE.changeset.osm with the changeset tags) of new confirmed cameras."""
    write_osm_file(_cams(db), "osc", output, comment=comment, existing=existing, near="skip")


@osm.command("login", epilog="\b\nExample:\n  sousveillance osm login --client-id abc123 --api dev")
@click.option("--client-id", required=True, envvar="SOUSVEILLANCE_OSM_CLIENT_ID", help="OAuth 2.0 application id.")
@click.option(
    "--client-secret", default="", envvar="SOUSVEILLANCE_OSM_CLIENT_SECRET", help="Only for confidential apps."
)
@click.option("--api", default="dev", show_default=True, help="dev, production or a base URL.")
@click.option(
    "--token-file", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Where to keep the token."
)
def login_cmd(client_id: str, client_secret: str, api: str, token_file: Path | None) -> None:
    """Authorize this device on OSM (out-of-band: open the link on any device, paste the code here)."""
    from .oauth import OAuthClient, OAuthError, default_token_path, exchange, save_token, start

    client = OAuthClient(APIS.get(api, api), client_id, client_secret)
    request = start(client)
    click.echo(f"Open this link, log in and allow access:\n\n  {request.url}\n")
    code = click.prompt("Paste the code shown")
    try:
        token = exchange(client, request, code)
    except OAuthError as exc:
        raise click.ClickException(str(exc)) from exc
    path = token_file or default_token_path()
    save_token(path, token)
    click.echo(f"token saved to {path} (readable by you only)")


@osm.command(
    "upload",
    epilog="""\b
Example:
  sousveillance osm upload walks.db --comment "CCTV survey, Belleville" --existing overpass.json
  sousveillance osm upload walks.db --api production --comment "..." --existing area.osm.pbf""",
)
@db_argument
@existing_option
@comment_option
@click.option("--api", default="dev", show_default=True, help="dev (sandbox), production or a base URL.")
@click.option("--token-file", type=click.Path(dir_okay=False, path_type=Path), default=None, help="OAuth token file.")
@click.option("--yes", is_flag=True, help="Do not ask before uploading to the production OSM database.")
def upload_cmd(
    db: Path | None, existing: Path | None, comment: str | None, api: str, token_file: Path | None, yes: bool
) -> None:
    """Upload new confirmed cameras in one changeset; a retry never creates a second node for a camera. A camera seen
    again (already a node) gets no new node: its node's check_date is set to the day it was seen, its other tags
    stay as they are in OSM."""
    require("osmapi", "server", "'sousveillance osm upload'")
    from ..export import device_cameras
    from ..export.osm import OsmFileError, changeset_tags, checks_from
    from ..repository import SyncRepository
    from .oauth import default_token_path, load_token
    from .upload import OsmUploader, OsmUploadError, bearer_session

    if not comment:
        raise click.ClickException("--comment is required: describe the survey for the people who review changesets")
    url = APIS.get(api, api)
    if url == APIS["production"] and not yes:
        click.confirm(
            "Upload to the real OpenStreetMap database? Every camera must have been checked by a person", abort=True
        )
    if existing is None:
        click.echo("warning: no --existing data: cameras already in OSM will not be detected", err=True)
    token = load_token(dict(os.environ), token_file or default_token_path())
    if not token:
        raise click.ClickException("no OSM token: run 'sousveillance osm login' or set SOUSVEILLANCE_OSM_TOKEN")
    store = open_store(db, load())
    try:
        tags = changeset_tags(comment)
        cams = device_cameras(store)
        drafts = _drafts(cams, existing, "skip")
        with SyncRepository.beside(store) as records:
            report = OsmUploader(records, bearer_session(token), url).upload(drafts, tags, checks_from(cams))
    except (OsmUploadError, OsmFileError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(report.summary())
