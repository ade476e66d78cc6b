"""The Docker image, checked without a Docker engine: what it runs, as whom, where state lives,
which secrets it expects, and that its HEALTHCHECK command passes against a real `syncsvc run`."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest
from sqlalchemy.engine import make_url

from syncsvc.cli import COMMAND_MODULES, build_parser
from syncsvc.config import ENV, load_settings

from .conftest import free_port, wait_until, write_config

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    logical, current = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        keyword, _, rest = current.partition(" ")
        logical.append((keyword.upper(), rest.strip()))
        current = ""
    return logical


def only(keyword: str) -> str:
    found = [rest for kw, rest in instructions() if kw == keyword]
    assert len(found) == 1, f"{len(found)} {keyword} instructions"
    return found[0]


def env_values() -> dict[str, str]:
    values = {}
    for kw, rest in instructions():
        if kw == "ENV":
            for pair in shlex.split(rest):
                name, _, value = pair.partition("=")
                values[name] = value
    return values


def container_config_path() -> Path:
    """The repo file the image copies to $SYNCSVC_CONFIG."""
    target = env_values()["SYNCSVC_CONFIG"]
    for kw, rest in instructions():
        if kw == "COPY":
            *sources, dest = rest.split()
            if dest == target:
                [source] = sources
                return REPO / source
    raise AssertionError(f"nothing is copied to SYNCSVC_CONFIG={target}")


def test_the_image_runs_the_daemon_command_as_a_non_root_user():
    command = json.loads(only("ENTRYPOINT")) + json.loads(only("CMD"))
    assert command == ["syncsvc", "run"]
    assert "run" in COMMAND_MODULES
    assert build_parser().parse_args(["run"]).handler.__module__ == "syncsvc.commands.run"
    assert only("FROM").startswith("python:3.11-slim")
    user = only("USER")
    assert user not in ("root", "0") and not user.startswith("0:")
    created = " ".join(rest for kw, rest in instructions() if kw == "RUN")
    assert re.search(rf"useradd [^&]*--uid (?!0\b)\d+[^&]* {re.escape(user)}\b", created), "USER is never created"
    # The USER comes after every RUN, so nothing installs as that user by accident and the daemon is not root.
    kinds = [kw for kw, _ in instructions()]
    assert kinds.index("USER") > max(i for i, kw in enumerate(kinds) if kw == "RUN")


def test_state_lives_on_the_volume_the_container_config_points_at():
    settings = load_settings(container_config_path())
    url = make_url(settings.state.database_url)
    assert url.get_backend_name() == "sqlite" and url.database.startswith("/")
    volume = json.loads(only("VOLUME")) if only("VOLUME").startswith("[") else only("VOLUME").split()
    assert volume == [str(PurePosixPath(url.database).parent)]
    runs = " ".join(rest for kw, rest in instructions() if kw == "RUN")
    assert f"chown {only('USER')}:{only('USER')} {volume[0]}" in runs, "the volume is not writable by the user"


def test_secrets_come_from_variables_the_code_reads_and_none_is_baked_in():
    text = DOCKERFILE.read_text()
    named = set(re.findall(r"\bSYNCSVC_[A-Z_]+\b", text))
    read_by_code = set(ENV.values())
    assert named <= read_by_code, f"unknown variables: {named - read_by_code}"
    secrets = read_by_code - {ENV["config_path"]}
    assert secrets <= named, f"undocumented secrets: {secrets - named}"
    assert not secrets & set(env_values()), "a secret is baked into the image with ENV"
    assert not re.search(r"^\s*ARG\s+SYNCSVC_", text, re.M)


def test_the_healthcheck_asks_the_port_the_config_serves_health_on():
    settings = load_settings(container_config_path())
    healthcheck = only("HEALTHCHECK")
    url = re.search(r"http://127\.0\.0\.1:(\d+)/healthz", healthcheck)
    assert url and int(url.group(1)) == settings.service.health_port != 0
    assert settings.service.health_bind in ("0.0.0.0", "127.0.0.1")
    assert f"EXPOSE {settings.service.health_port}" in DOCKERFILE.read_text()


def test_the_build_context_keeps_what_the_image_copies_and_migrations_sit_beside_the_package():
    ignored = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    workdir = PurePosixPath(only("WORKDIR"))
    copied = {}
    for kw, rest in instructions():
        if kw == "COPY":
            *sources, dest = rest.split()
            for source in sources:
                assert (REPO / source).exists(), source
                assert not any(fnmatch.fnmatch(source, pattern) for pattern in ignored), f"{source} is ignored"
                copied[source] = workdir / dest if not dest.startswith("/") else PurePosixPath(dest)
    # db.py finds migrations/ two levels above syncsvc/store/db.py: true for an editable install in WORKDIR.
    assert copied["syncsvc"] == workdir / "syncsvc" and copied["migrations"] == workdir / "migrations"
    assert f"pip install -e {workdir}" in " ".join(rest for kw, rest in instructions() if kw == "RUN")


def test_migrations_run_from_a_directory_named_by_the_environment(tmp_path):
    """What a non-editable install does (no migrations/ beside the package): SYNCSVC_MIGRATIONS_DIR."""
    scripts = tmp_path / "scripts"
    shutil.copytree(REPO / "migrations", scripts, ignore=shutil.ignore_patterns("__pycache__"))
    database = tmp_path / "state" / "db.sqlite3"
    env = {**os.environ, "SYNCSVC_MIGRATIONS_DIR": str(scripts)}
    code = ("from syncsvc.store.db import MIGRATIONS_DIR, upgrade; import sys; "
            "print(MIGRATIONS_DIR); upgrade(sys.argv[1])")
    done = subprocess.run([sys.executable, "-c", code, f"sqlite:///{database}"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(scripts)
    import sqlite3

    with sqlite3.connect(database) as db:
        tables = {row[0] for row in db.execute("select name from sqlite_master where type = 'table'")}
    assert {"alembic_version", "sync_runs"} <= tables


def test_the_healthcheck_command_passes_against_a_running_daemon(world, daemons, tmp_path):
    """The exact HEALTHCHECK command, pointed at the daemon started with the image's [service] settings."""
    image = load_settings(container_config_path()).service
    port = free_port()
    config = write_config(world, tmp_path / "syncsvc.toml", health_port=port, health_bind="127.0.0.1",
                          log_format=image.log_format)
    command = json.loads(re.search(r"CMD\s+(\[.*\])", only("HEALTHCHECK")).group(1))
    assert command[0] == "python"
    probe = [sys.executable, *command[1:]]
    probe = [part.replace(f":{image.health_port}/", f":{port}/") for part in probe]

    def healthy() -> bool:
        return subprocess.run(probe, capture_output=True, timeout=10).returncode == 0

    assert not healthy()  # nothing listening yet: the check must fail
    daemon = daemons(config, "run")
    wait_until(healthy, 20, "the HEALTHCHECK command to pass")
    assert daemon.terminate() == 0
    assert not healthy()


@pytest.fixture(autouse=True)
def _dockerfile_exists():
    assert DOCKERFILE.exists() and (REPO / ".dockerignore").exists()
