"""The Docker image, checked without a Docker engine: what it runs, as whom, where state lives,
which secrets it expects, and that its HEALTHCHECK command passes against a real `syncsvc run`."""

from __future__ import annotations

import fnmatch
import importlib.util
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
ENTRYPOINT_SCRIPT = REPO / "docker" / "entrypoint.py"


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


def entrypoint_module():
    """docker/entrypoint.py, imported as a module (it is a script in the image)."""
    spec = importlib.util.spec_from_file_location("syncsvc_docker_entrypoint", ENTRYPOINT_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_image_runs_the_daemon_command_as_a_non_root_user():
    [entrypoint] = json.loads(only("ENTRYPOINT"))
    assert json.loads(only("CMD")) == ["run"]
    # The entry point is docker/entrypoint.py, executable, and it execs `syncsvc ARGS` (checked below).
    assert f"docker/entrypoint.py /usr/local/bin/{entrypoint}" in [rest for kw, rest in instructions() if kw == "COPY"]
    assert os.access(ENTRYPOINT_SCRIPT, os.X_OK) and ENTRYPOINT_SCRIPT.read_text().startswith("#!/usr/bin/env python3")
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
    assert re.search(rf"pip install (--[a-z-]+ )*-e {workdir}\b", " ".join(rest for kw, rest in instructions() if kw == "RUN"))


def test_dependencies_are_installed_in_a_layer_before_the_source_is_copied():
    """A code change must not download every dependency again: the layer that installs them only
    depends on pyproject.toml, and the package goes in afterwards without resolving anything."""
    steps = instructions()
    deps = next(i for i, (kw, rest) in enumerate(steps) if kw == "RUN" and "pip install -r" in rest)
    source = next(i for i, (kw, rest) in enumerate(steps) if kw == "COPY" and rest.split()[0] == "syncsvc")
    assert deps < source
    copied_before = [rest.split()[:-1] for kw, rest in steps[:deps] if kw == "COPY"]
    assert copied_before == [["pyproject.toml"]]
    assert "tomllib" in steps[deps][1] and "['project']['dependencies']" in steps[deps][1]
    assert "['build-system']['requires']" in steps[deps][1]  # so the editable install needs no PyPI
    package = next(rest for kw, rest in steps[source:] if kw == "RUN" and "pip install" in rest)
    assert "--no-deps" in package and "--no-build-isolation" in package


def test_a_config_started_from_the_example_keeps_its_database_on_the_volume():
    """config.example.toml's relative SQLite path is relative to the config file's folder (config.py);
    in the image that folder holds a link `state` to the volume, so the file lands on the volume."""
    config_dir = PurePosixPath(env_values()["SYNCSVC_CONFIG"]).parent
    volume = only("VOLUME")
    runs = " ".join(rest for kw, rest in instructions() if kw == "RUN")
    example = load_settings(REPO / "config.example.toml").state.database_url  # made absolute against REPO
    relative = Path(make_url(example).database).relative_to(REPO)
    assert relative.parts[0] == "state"
    assert f"ln -s {volume} {config_dir}/state" in runs
    assert make_url(load_settings(container_config_path()).state.database_url).database == f"{volume}/{relative.name}"


def test_the_entrypoint_execs_syncsvc_with_its_arguments():
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([sys.executable, str(ENTRYPOINT_SCRIPT), "--version"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("syncsvc "), done.stderr


def test_the_entrypoint_names_the_directory_and_the_fix_when_the_state_is_not_writable(tmp_path, monkeypatch):
    entry = entrypoint_module()
    volume = tmp_path / "volume"
    volume.mkdir()
    assert entry.state_problem(volume / "syncsvc.sqlite3") is None
    monkeypatch.setattr(entry.os, "access", lambda path, mode: Path(path) != volume)  # as a root-owned mount
    monkeypatch.setattr(entry, "mount_point", lambda path: volume)
    problem = entry.state_problem(volume / "syncsvc.sqlite3")
    assert "\n" not in problem
    assert f"{volume} is owned by uid {volume.stat().st_uid}" in problem
    assert f"sudo chown -R {os.getuid()}:{os.getgid()} DIR" in problem and f"mounted at {volume}" in problem
    assert f"--entrypoint chown syncsvc -R {os.getuid()}:{os.getgid()} {volume}`" in problem  # a named volume
    # A database in the image's own filesystem (no volume there): the fix is the database_url.
    monkeypatch.setattr(entry, "mount_point", lambda path: Path("/"))
    assert "put [state].database_url on the volume" in entry.state_problem(volume / "syncsvc.sqlite3")


def test_the_entrypoint_warns_when_the_healthcheck_cannot_reach_the_health_listener(tmp_path):
    entry = entrypoint_module()
    image = load_settings(container_config_path())
    assert entry.HEALTH_PORT == image.service.health_port
    assert entry.VOLUME == Path(only("VOLUME"))
    assert entry.health_warning(image.service, "image") is None
    example = load_settings(REPO / "config.example.toml")
    warning = entry.health_warning(example.service, "syncsvc.toml")
    assert "health_port = 0" in warning and 'health_bind = "0.0.0.0"' in warning
    config = tmp_path / "syncsvc.toml"
    config.write_text('[state]\ndatabase_url = "sqlite:///state/db.sqlite3"\n')
    error, warnings = entry.checks(["-c", str(config), "run"])
    assert error is None and len(warnings) == 1 and str(config) in warnings[0]
    assert entry.checks(["--config", str(config), "db", "upgrade"]) == (None, [])
    assert entry.checks(["--help"]) == (None, []) and entry.checks(["sandbox", "--orders", "5"]) == (None, [])
    assert entry.command_and_config(["-v", f"--config={config}", "sync", "--orders", "1"]) == ("sync", str(config))


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
