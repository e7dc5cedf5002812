"""A throwaway PostgreSQL + PostGIS cluster in a temporary folder, for tests and the load benchmark.

Uses the Debian binaries (``/usr/lib/postgresql/*/bin``); when run as root the cluster runs as the ``postgres``
user. Listens on 127.0.0.1 on a free port with trust authentication, and is deleted on ``stop()``.
Databases are cloned from a template that already has PostGIS, so each test gets a fresh one in a fraction of a
second.
"""

from __future__ import annotations

import glob
import logging
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

log = logging.getLogger(__name__)

TEMPLATE = "sv_template"


class PostgresUnavailable(Exception):
    """No PostgreSQL binaries (or no PostGIS) on this machine."""


def bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[4]))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TempPostgres:
    def __init__(self) -> None:
        found = bin_dir()
        if found is None:
            raise PostgresUnavailable("PostgreSQL server binaries not found (apt-get install postgresql postgis)")
        self.bin = found
        if not glob.glob("/usr/share/postgresql/*/extension/postgis.control"):
            raise PostgresUnavailable("PostGIS not installed (apt-get install postgis)")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="sv-pg-"))
        self.data = self.dir / "data"
        self.user: str | None = None
        if os.geteuid() == 0:
            self.user = "postgres"
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)

    def _run(self, *args: str) -> str:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=self.dir, timeout=120)
        if done.returncode != 0:
            raise PostgresUnavailable(f"{args[0]} failed: {(done.stderr or done.stdout).strip()[-500:]}")
        return done.stdout

    def start(self) -> TempPostgres:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.dir / "log"), "-w", "start")
        self.sql("postgres", f"CREATE DATABASE {TEMPLATE}")
        self.sql(TEMPLATE, "CREATE EXTENSION postgis")
        log.info("temporary PostgreSQL on port %d", self.port)
        return self

    def sql(self, db: str, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.url(db), autocommit=True) as conn:
            conn.execute(statement)

    def url(self, db: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def new_database(self) -> str:
        """A fresh database with PostGIS; returns its URL."""
        name = "sv_" + uuid.uuid4().hex[:12]
        self.sql("postgres", f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)

    def postmaster_pid(self) -> int | None:
        """The cluster's main process (its backends are its children): for CPU figures."""
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        except (PostgresUnavailable, subprocess.TimeoutExpired) as exc:
            log.warning("stopping the temporary PostgreSQL: %s", exc)
        shutil.rmtree(self.dir, ignore_errors=True)
