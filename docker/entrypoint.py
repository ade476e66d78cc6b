#!/usr/bin/env python3
"""The Docker image's entry point (/usr/local/bin/syncsvc-entrypoint): `syncsvc ARGS`, after two checks
that only make sense in a container, then exec, so syncsvc is the container's process 1 and gets
`docker stop`'s SIGTERM itself.

1. The SQLite state database must be writable by the container's user (uid 10001, not root). A bind
   mount of a directory root owns on the host is not: instead of syncsvc's generic "Permission denied",
   one line names the directory and the fix (chown it to the container's uid, or use a named volume),
   exit status 1.
2. `run` with a config whose health listener the image's HEALTHCHECK cannot reach ([service].health_port
   other than 8080, e.g. the 0 of config.example.toml): one warning line, then the daemon runs anyway
   (it syncs; Docker will call it unhealthy).

Anything the checks cannot read (a config that does not parse, a PostgreSQL URL, an option they do not
know) is left to syncsvc, which reports it in its own words.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

VOLUME = Path("/var/lib/syncsvc")  # the Dockerfile's VOLUME
HEALTH_PORT = 8080  # the port the Dockerfile's HEALTHCHECK asks
NO_STATE = {"sandbox", "demo"}  # commands that never open [state].database_url


def command_and_config(argv: list[str]) -> tuple[str | None, str | None]:
    """syncsvc's global options come before the command: (command, -c/--config value)."""
    config, i = None, 0
    while i < len(argv):
        arg = argv[i]
        if arg in ("-h", "--help", "--version"):
            return None, config
        if arg in ("-c", "--config"):
            config = argv[i + 1] if i + 1 < len(argv) else None
            i += 2
            continue
        if arg.startswith("--config="):
            config = arg.partition("=")[2]
        elif arg.startswith("-c") and len(arg) > 2:
            config = arg[2:]
        elif not arg.startswith("-"):
            return arg, config
        i += 1
    return None, config


def mount_point(path: Path) -> Path:
    """The mount point the path lives on (/ when it is in the image's own filesystem)."""
    mounts = set()
    try:
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            mounts.add(Path(line.split()[4].replace("\\040", " ")))
    except (OSError, IndexError):
        return Path("/")
    path = Path(os.path.realpath(path))
    for candidate in (path, *path.parents):
        if candidate in mounts:
            return candidate
    return Path("/")


def state_problem(database: Path) -> str | None:
    """None when the container's user can create or write the SQLite file `database`, else what to do."""
    target = Path(os.path.realpath(database))
    folder = target.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    blocked = None
    if not os.access(folder, os.W_OK | os.X_OK):
        blocked = folder
    elif target.exists() and not os.access(target, os.R_OK | os.W_OK):
        blocked = target
    if blocked is None:
        return None
    uid, gid = os.getuid(), os.getgid()
    try:
        info = blocked.stat()
        owner = f"owned by uid {info.st_uid}, mode {stat.filemode(info.st_mode)}"
    except OSError:
        owner = "not readable"
    mount = mount_point(blocked)
    if mount == Path("/"):
        fix = (f"put [state].database_url on the volume {VOLUME}, e.g. "
               f"database_url = \"sqlite:///{VOLUME}/syncsvc.sqlite3\" as in the image's /etc/syncsvc/config.toml")
    else:
        fix = (f"give what is mounted at {mount} to that user: a host directory with `sudo chown -R {uid}:{gid} DIR` "
               f"on the Docker host, a named volume with `docker run --rm --user 0 -v VOLUME:{mount} "
               f"--entrypoint chown syncsvc -R {uid}:{gid} {mount}`")
    return (f"the state database {database} cannot be written by the container's user (uid {uid}): "
            f"{blocked} is {owner}; {fix}")


def health_warning(service, source) -> str | None:
    if service.health_port == HEALTH_PORT and service.health_bind in ("0.0.0.0", "127.0.0.1", "::", "localhost"):
        return None
    now = ("no health listener ([service].health_port = 0)" if not service.health_port
           else f"[service].health_port = {service.health_port}, health_bind = {service.health_bind!r}")
    return (f"{now} in {source}: the image's HEALTHCHECK asks http://127.0.0.1:{HEALTH_PORT}/healthz, so Docker "
            f"will report the container unhealthy; set health_port = {HEALTH_PORT} and health_bind = \"0.0.0.0\" "
            f"in [service], as in the image's /etc/syncsvc/config.toml")


def checks(argv: list[str]) -> tuple[str | None, list[str]]:
    """(error or None, warnings) for `syncsvc ARGV` in this container."""
    command, config = command_and_config(argv)
    if command is None or command in NO_STATE:
        return None, []
    try:
        from sqlalchemy.engine import make_url

        from syncsvc.config import load_settings

        settings = load_settings(config)
        url = make_url(settings.state.database_url)
    except Exception:  # syncsvc says what is wrong with the config, in one line
        return None, []
    warnings = []
    if command == "run":
        warning = health_warning(settings.service, settings.source or "the built-in defaults")
        if warning:
            warnings.append(warning)
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None, warnings
    return state_problem(Path(database).absolute()), warnings


def main(argv: list[str]) -> int:
    try:
        error, warnings = checks(argv)
    except Exception:  # a check must never be what stops syncsvc from running
        error, warnings = None, []
    for warning in warnings:
        print(f"syncsvc: warning: {warning}", file=sys.stderr, flush=True)
    if error:
        print(f"syncsvc: error: {error}", file=sys.stderr, flush=True)
        return 1
    os.execvp("syncsvc", ["syncsvc", *argv])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
