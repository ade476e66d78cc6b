"""`syncsvc connect quickbooks` (code flow and token import) and `syncsvc db upgrade|current`, as a user runs them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
from alembic.script import ScriptDirectory

from syncsvc.store.db import alembic_config

from .conftest import PASSPHRASE, token_store

REPO = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(tmp_path, sandbox=None, redirect_port=None) -> tuple[Path, str]:
    db_url = f"sqlite:///{tmp_path / 'state' / 'syncsvc.sqlite3'}"
    lines = ["[state]", f'database_url = "{db_url}"']
    if sandbox is not None:
        lines += ["[quickbooks]", f'api_base_url = "{sandbox.api_base_url}"', f'discovery_url = "{sandbox.discovery_url}"',
                  f'redirect_uri = "http://127.0.0.1:{redirect_port or free_port()}/callback"']
    path = tmp_path / "syncsvc.toml"
    path.write_text("\n".join(lines) + "\n")
    return path, db_url


def env(sandbox=None, **extra):
    values = {k: v for k, v in os.environ.items() if not k.startswith("SYNCSVC_")}
    values["SYNCSVC_SECRET_KEY"] = PASSPHRASE
    if sandbox is not None:
        values["SYNCSVC_QUICKBOOKS_CLIENT_ID"] = sandbox.CLIENT_ID
        values["SYNCSVC_QUICKBOOKS_CLIENT_SECRET"] = sandbox.CLIENT_SECRET
    values.update(extra)
    return values


def syncsvc(*args, environment, **kwargs):
    return subprocess.run([sys.executable, "-m", "syncsvc", *args], cwd=REPO, env=environment,
                          capture_output=True, text=True, timeout=60, **kwargs)


def test_db_upgrade_then_current(tmp_path):
    config, db_url = write_config(tmp_path)
    head = ScriptDirectory.from_config(alembic_config(db_url)).get_current_head()
    assert syncsvc("-c", config, "db", "current", environment=env()).stdout.startswith("empty")
    done = syncsvc("-c", config, "db", "upgrade", environment=env())
    assert done.returncode == 0, done.stderr
    assert head in done.stdout
    assert syncsvc("-c", config, "db", "current", environment=env()).stdout.strip() == head


def test_import_refresh_token_stores_rotated_tokens(tmp_path, sandbox, realm):
    config, db_url = write_config(tmp_path, sandbox)
    issued = sandbox.issue_tokens(realm)
    done = syncsvc("-c", config, "connect", "quickbooks", "--realm-id", realm, "--refresh-token", "-",
                   environment=env(sandbox), input=issued["refresh_token"] + "\n")
    assert done.returncode == 0, done.stderr
    assert f"Connected QuickBooks company {realm}" in done.stdout
    assert issued["refresh_token"] not in done.stdout + done.stderr
    stored = token_store(db_url, realm).load()
    assert stored.refresh_token != issued["refresh_token"]  # validated by refreshing once


def test_import_of_a_dead_token_fails_in_one_line(tmp_path, sandbox, realm):
    config, _ = write_config(tmp_path, sandbox)
    done = syncsvc("-c", config, "connect", "quickbooks", "--realm-id", realm, "--refresh-token", "RT-not-valid",
                   environment=env(sandbox))
    assert done.returncode == 1
    assert "invalid_grant" in done.stderr and "Traceback" not in done.stderr
    assert "RT-not-valid" not in done.stderr


def test_missing_secret_key_names_the_variable(tmp_path, sandbox, realm):
    config, _ = write_config(tmp_path, sandbox)
    environment = env(sandbox)
    del environment["SYNCSVC_SECRET_KEY"]
    done = syncsvc("-c", config, "connect", "quickbooks", "--realm-id", realm, "--refresh-token", "x",
                   environment=environment)
    assert done.returncode == 1 and "SYNCSVC_SECRET_KEY" in done.stderr


def _start_code_flow(tmp_path, sandbox):
    port = free_port()
    config, db_url = write_config(tmp_path, sandbox, port)
    proc = subprocess.Popen([sys.executable, "-m", "syncsvc", "-c", str(config), "connect", "quickbooks",
                             "--no-browser", "--timeout", "30"], cwd=REPO, env=env(sandbox),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if line.startswith("http"):
            return proc, line.strip(), db_url, port
    proc.kill()
    raise AssertionError(f"no authorize URL printed: {proc.stderr.read()}")


def test_authorization_code_flow(tmp_path, sandbox, realm):
    proc, authorize_url, db_url, port = _start_code_flow(tmp_path, sandbox)
    try:
        assert parse_qs(urlsplit(authorize_url).query)["redirect_uri"] == [f"http://127.0.0.1:{port}/callback"]
        page = requests.get(authorize_url, timeout=10)  # the sandbox consents and redirects to our listener
        assert page.status_code == 200 and "connected" in page.text
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert f"Connected QuickBooks company {realm}" in out
    assert token_store(db_url, realm).load() is not None


def test_code_flow_rejects_a_wrong_state(tmp_path, sandbox, realm):
    proc, authorize_url, db_url, port = _start_code_flow(tmp_path, sandbox)
    try:
        forged = requests.get(f"http://127.0.0.1:{port}/callback?code=AB123&state=forged&realmId={realm}", timeout=10)
        assert forged.status_code == 400
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 1 and "state" in err
    assert token_store(db_url, realm).load() is None
