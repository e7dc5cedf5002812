"""Install the device service (config, user, state folder, units) and undo it.

Every step is a described ``Step``: ``--dry-run`` prints the plan and changes nothing. ``root`` works like DESTDIR:
files go under it and ``useradd --prefix`` / ``systemctl --root`` act on it, while the paths written into the
config and the units stay the runtime ones (tests install into a temporary tree this way).
Uninstalling keeps recorded walks and a sync token unless ``purge`` is set: nothing recorded is lost by accident.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import units

log = logging.getLogger(__name__)

CONFIG_REL = "etc/sousveillance/config.toml"
STATE_REL = f"var/lib/{units.STATE_DIR}"
GROUPS = ("video", "dialout")  # camera, serial GPS receivers


class InstallError(Exception):
    """A step cannot be done; the message is one line an operator can act on."""


@dataclass(slots=True)
class InstallOptions:
    user: str = units.DEFAULT_USER
    prefix: Path = Path("/")  # "/" -> units in /etc/systemd/system, else PREFIX/lib/systemd/system
    root: Path = Path("/")  # DESTDIR-like: install into this tree instead of /
    exec_path: str = ""  # the sousveillance command the units run; default: this one
    purge: bool = False  # uninstall: also delete recorded walks and the sync token

    def at(self, runtime_path: str | Path) -> Path:
        """Where a runtime path lies on this machine (under ``root``)."""
        return self.root / str(runtime_path).lstrip("/")

    @property
    def unit_dir(self) -> str:
        return "/etc/systemd/system" if self.prefix == Path("/") else f"{self.prefix}/lib/systemd/system"

    @property
    def real_root(self) -> bool:
        return self.root.resolve() == Path("/")


@dataclass(slots=True)
class Step:
    description: str
    action: Callable[[], None]


@dataclass(slots=True)
class Plan:
    steps: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was kept and why

    def add(self, description: str, action: Callable[[], None]) -> None:
        self.steps.append(Step(description, action))

    def run(self, echo: Callable[[str], None] = print, dry_run: bool = False) -> None:
        for step in self.steps:
            echo(("would " if dry_run else "") + step.description)
            if not dry_run:
                step.action()
        for note in self.notes:
            echo(note)


def default_exec_path() -> str:
    """The ``sousveillance`` command of this installation (the venv's console script)."""
    script = Path(sys.executable).parent / "sousveillance"
    if script.exists():
        return str(script)
    found = shutil.which("sousveillance")
    if found:
        return str(Path(found).resolve())
    raise InstallError("cannot find the sousveillance command next to this Python; pass the venv's path")


def config_text(database: str = f"/{STATE_REL}/walks.db", device_id: str = "") -> str:
    from sousveillance.config import Config

    text = f"""\
# sousveillance device configuration (see `sousveillance survey --help` and the Pi guide).
# Secrets never go here: the sync token lives in {units.TOKEN_PATH} (mode 600), read by systemd.

[store]
database = "{database}"
# Name sent with every camera; empty = this device's random pseudonym (see `sousveillance status`), never
# the host name.
device_id = "{device_id}"

[capture]
source = "picamera2"

[review]
# "0.0.0.0" to review from a phone on the Pi's hotspot.
host = "127.0.0.1"
port = 8080
"""
    Config.model_validate(tomllib.loads(text))  # never write a config the survey would refuse
    return text


def install_plan(o: InstallOptions) -> Plan:
    plan = Plan()
    exec_path = o.exec_path or default_exec_path()
    if Path(exec_path).is_relative_to("/home") or Path(exec_path).is_relative_to("/root"):
        raise InstallError(
            f"{exec_path} is in a home folder, hidden by ProtectHome=: put the venv in /opt/sousveillance"
        )
    config = o.at(CONFIG_REL)
    if config.exists():
        plan.notes.append(f"kept the existing config {config}")
    else:
        text = config_text()
        plan.add(f"write the config {config}", functools.partial(_write, config, text, 0o644))
    passwd, group = o.at("etc/passwd"), o.at("etc/group")
    if not passwd.exists():
        plan.notes.append(f"no {passwd}: user {o.user} not created")
    elif _passwd_entry(passwd, o.user) is None:
        groups = [g for g in GROUPS if g in _group_names(group)]
        cmd = [
            "useradd",
            "--system",
            "--user-group",
            "--home-dir",
            f"/{STATE_REL}",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            "--comment",
            "sousveillance survey",
        ]
        cmd += ["--groups", ",".join(groups)] if groups else []
        cmd += [] if o.real_root else ["--prefix", str(o.root)]
        plan.add(
            f"create the system user {o.user} (groups: {', '.join(groups) or 'none'})", lambda: _run([*cmd, o.user])
        )
    else:
        plan.notes.append(f"user {o.user} exists already")
    state = o.at(STATE_REL)
    plan.add(f"create the state folder {state}", lambda: _make_state(state, passwd, o.user))
    rendered = units.render(units.UnitOptions(exec_path=exec_path, config=f"/{CONFIG_REL}", user=o.user))
    unit_dir = o.at(o.unit_dir)
    for name, unit_text in rendered.items():
        plan.add(f"install {unit_dir / name}", functools.partial(_write, unit_dir / name, unit_text, 0o644))
    plan.add(f"enable {', '.join(units.ENABLE)}", lambda: _systemctl(o, "enable", *units.ENABLE))
    if o.real_root:
        plan.notes.append("start now with: sudo systemctl start sousveillance-survey sousveillance-review")
    return plan


def uninstall_plan(o: InstallOptions) -> Plan:
    plan = Plan()
    unit_dir = o.at(o.unit_dir)
    present = [name for name in units.TEMPLATES if (unit_dir / name).exists()]
    enabled = [name for name in units.ENABLE if name in present]
    if enabled:
        plan.add(f"stop and disable {', '.join(enabled)}", lambda: _systemctl(o, "disable", *enabled))
    for name in present:
        plan.add(f"remove {unit_dir / name}", (unit_dir / name).unlink)
    if present and o.real_root:
        plan.add("reload systemd", lambda: _run(["systemctl", "daemon-reload"]))
    config = o.at(CONFIG_REL)
    if config.exists():
        plan.add(f"remove the config {config}", config.unlink)
    _remove_folder(plan, config.parent, o.purge, "sync token and other files")
    _remove_folder(plan, o.at(STATE_REL), o.purge, "recorded walks")
    passwd = o.at("etc/passwd")
    if passwd.exists() and _passwd_entry(passwd, o.user) is not None:
        prefix = [] if o.real_root else ["--prefix", str(o.root)]

        def delete_user() -> None:
            _run(["userdel", *prefix, o.user])
            if o.user in _group_names(o.at("etc/group")):  # its private group, when login.defs kept it
                _run(["groupdel", *prefix, o.user])

        plan.add(f"delete the system user {o.user} and its group", delete_user)
    if not plan.steps:
        plan.notes.append("nothing to uninstall")
    elif not o.real_root:  # a staging tree: also remove the empty folders the install made there
        folders = [unit_dir, config.parent, o.at(STATE_REL)]
        plan.add(f"remove empty folders left in {o.root}", lambda: _remove_empty_parents(folders, o.root))
    return plan


def _remove_empty_parents(folders: list[Path], root: Path) -> None:
    for folder in folders:
        while not folder.exists() and root in folder.parents:
            folder = folder.parent
        while folder != root and root in folder.parents and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent


def _remove_folder(plan: Plan, folder: Path, purge: bool, what: str) -> None:
    if not folder.exists():
        return
    if purge:
        plan.add(f"delete {folder} and everything in it", lambda: shutil.rmtree(folder))
        return

    def rmdir_if_empty() -> None:
        if any(folder.iterdir()):
            plan.notes.append(f"kept {folder}: it holds {what} (--purge deletes them)")
        else:
            folder.rmdir()

    plan.add(f"remove {folder} if empty", rmdir_if_empty)


def _write(path: Path, text: str, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    tmp.chmod(mode)
    os.replace(tmp, path)


def _make_state(state: Path, passwd: Path, user: str) -> None:
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o750)
    entry = _passwd_entry(passwd, user) if passwd.exists() else None
    if entry is not None and os.geteuid() == 0:
        os.chown(state, entry[0], entry[1])


def _passwd_entry(passwd: Path, user: str) -> tuple[int, int] | None:
    for line in passwd.read_text().splitlines():
        parts = line.split(":")
        if len(parts) >= 4 and parts[0] == user:
            return int(parts[2]), int(parts[3])
    return None


def _group_names(group: Path) -> set[str]:
    if not group.exists():
        return set()
    return {line.split(":", 1)[0] for line in group.read_text().splitlines() if line.strip()}


def _systemctl(o: InstallOptions, verb: str, *names: str) -> None:
    if o.real_root:
        _run(["systemctl", "daemon-reload"])
        _run(["systemctl", verb, *(["--now"] if verb == "disable" else []), *names])  # stop before removing
    else:
        _run(["systemctl", f"--root={o.root}", verb, *names])


def _run(cmd: list[str]) -> None:
    if shutil.which(cmd[0]) is None:
        raise InstallError(f"{cmd[0]} not found: install-service needs a systemd Linux (Raspberry Pi OS)")
    log.debug("running %s", cmd)
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().splitlines()
        raise InstallError(f"{' '.join(cmd[:2])} failed: {message[-1] if message else done.returncode}")
