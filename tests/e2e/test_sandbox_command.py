"""`syncsvc sandbox` as a person uses it (issue 12): start it, export what it prints, run the commands it
prints exactly as printed (the refresh token on standard input, never on the command line), from other
working directories, and the daemon syncs through REST v2 into the state database the config names."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from syncsvc.config import load_settings

REPO = Path(__file__).resolve().parents[2]


def _env(extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCSVC_")}
    env["PYTHONPATH"] = str(REPO)
    env.update(extra or {})
    return env


def _argv(printed_command: str) -> list[str]:
    """A printed `syncsvc ...` line as this interpreter runs it."""
    words = shlex.split(printed_command)
    assert words[0] == "syncsvc", printed_command
    return [sys.executable, "-m", "syncsvc", *words[1:]]


@pytest.fixture
def served(tmp_path):
    """`syncsvc sandbox --orders 30 --xmlrpc-off-from now` started in tmp/start with no --write-config;
    yields (what it printed up to "Press Ctrl-C to stop", the folder it ran in)."""
    start = tmp_path / "start"
    start.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "syncsvc", "sandbox", "--orders", "30", "--seed", "5", "--xmlrpc-off-from", "now"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=start, env=_env(),
    )
    printed = []
    for line in process.stdout:
        printed.append(line)
        if "Press Ctrl-C to stop" in line:
            break
    try:
        yield "".join(printed), start
    finally:
        process.terminate()
        process.wait(timeout=10)


def _elsewhere(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    return folder


def test_the_written_config_takes_the_daemon_from_sandbox_to_synced_books(served, tmp_path, monkeypatch):
    printed, start = served
    exports = dict(re.findall(r"^export (\w+)=(\S+)$", printed, re.M))
    assert set(exports) >= {"SYNCSVC_INFUSIONSOFT_API_KEY", "SYNCSVC_QUICKBOOKS_CLIENT_ID",
                            "SYNCSVC_QUICKBOOKS_CLIENT_SECRET", "SYNCSVC_SECRET_KEY"}
    env = _env(exports)
    [connect] = re.findall(r"^syncsvc -c \S+ connect quickbooks --refresh-token -$", printed, re.M)
    [run] = re.findall(r"^syncsvc -c \S+ run$", printed, re.M)
    [token] = re.findall(r"QuickBooks refresh token: (\S+)$", printed, re.M)
    assert token not in connect and token not in run

    # The config is a file, written where the sandbox ran (the default), complete as it is.
    config = Path(shlex.split(connect)[2])
    assert config == start / "syncsvc-sandbox.toml" and config.is_file()
    settings = load_settings(config)
    database = Path(settings.state.database_url.removeprefix("sqlite:///"))
    assert database.is_absolute() and database.parent == start / "syncsvc-sandbox-state", database
    assert settings.infusionsoft.api == "rest" and settings.service.health_port > 0
    assert settings.quickbooks.realm_id

    # 2. connect, from another directory, the token on standard input.
    somewhere = _elsewhere(tmp_path, "somewhere")
    connected = subprocess.run(_argv(connect), input=token + "\n", env=env, cwd=somewhere, capture_output=True,
                               text=True, timeout=120)
    assert connected.returncode == 0, connected.stderr
    assert f"Connected QuickBooks company {settings.quickbooks.realm_id}" in connected.stdout
    assert database.is_file()

    # 3. the daemon, from a third directory, until /healthz says its first cycle ended well.
    elsewhere = _elsewhere(tmp_path, "elsewhere")
    log = (tmp_path / "daemon.log").open("wb")
    daemon = subprocess.Popen(_argv(run), env=env, cwd=elsewhere, stdout=log, stderr=subprocess.STDOUT)
    try:
        body = _wait_for_ok(f"http://127.0.0.1:{settings.service.health_port}/healthz", daemon)
        assert body["last_cycle_status"] == "ok", body
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(15) == 0
        log.close()
    assert "Traceback" not in (tmp_path / "daemon.log").read_text()

    # Orders are in the QuickBooks sandbox; state is in the database the config names, nowhere else.
    for name, value in exports.items():
        monkeypatch.setenv(name, value)
    invoices = _invoices(settings)
    assert len(invoices) >= 20, len(invoices)
    assert list(somewhere.iterdir()) == [] and list(elsewhere.iterdir()) == []
    assert sorted(p.name for p in start.iterdir()) == ["syncsvc-sandbox-state", "syncsvc-sandbox.toml"]

    # `sync` from yet another directory: the same database, so nothing is posted twice.
    again = _elsewhere(tmp_path, "again")
    synced = subprocess.run(_argv(run.replace(" run", " sync")), env=env, cwd=again, capture_output=True,
                            text=True, timeout=120)
    assert synced.returncode == 0, synced.stderr
    assert re.search(r"\b0 invoices\b", synced.stdout), synced.stdout
    assert len(_invoices(settings)) == len(invoices)

    # XML-RPC is switched off in this sandbox: a connection still on it gets one line naming the fix.
    on_xmlrpc = tmp_path / "xmlrpc.toml"
    on_xmlrpc.write_text(config.read_text().replace('api = "rest"', 'api = "xmlrpc"'))
    refused = subprocess.run([sys.executable, "-m", "syncsvc", "-c", str(on_xmlrpc), "sync"], env=env,
                             cwd=again, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1, refused.stderr
    assert lines[0].startswith("syncsvc: error:") and '[infusionsoft].api = "rest"' in lines[0]


def _wait_for_ok(url: str, daemon: subprocess.Popen, timeout: float = 90.0) -> dict:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        assert daemon.poll() is None, f"the daemon exited {daemon.returncode}"
        try:
            last = httpx.get(url, timeout=5).json()
        except httpx.TransportError:
            last = None
        if last and last["status"] not in ("starting",):
            return last
        time.sleep(0.2)
    raise AssertionError(f"/healthz never left 'starting': {last}")


def _invoices(settings) -> list:
    from quickbooks.objects.invoice import Invoice

    from syncsvc.quickbooks.client import open_company

    qb = open_company(settings).client()
    return Invoice.query("SELECT * FROM Invoice MAXRESULTS 1000", qb=qb)


def test_a_file_the_sandbox_did_not_write_is_never_overwritten(tmp_path):
    mine = tmp_path / "syncsvc.toml"
    mine.write_text('[state]\ndatabase_url = "sqlite:///mine.sqlite3"\n')
    result = subprocess.run([sys.executable, "-m", "syncsvc", "sandbox", "--write-config", str(mine)], env=_env(),
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("syncsvc: error:") and str(mine) in line and "not written by `syncsvc sandbox`" in line
    assert mine.read_text() == '[state]\ndatabase_url = "sqlite:///mine.sqlite3"\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["syncsvc.toml"]


def test_connect_with_nothing_on_standard_input_is_one_line_and_creates_nothing(tmp_path):
    config = tmp_path / "syncsvc.toml"
    config.write_text('[quickbooks]\nrealm_id = "123"\n[state]\ndatabase_url = "sqlite:///state/x.sqlite3"\n')
    env = _env({"SYNCSVC_QUICKBOOKS_CLIENT_ID": "id", "SYNCSVC_QUICKBOOKS_CLIENT_SECRET": "secret",
                "SYNCSVC_SECRET_KEY": "key"})
    result = subprocess.run([sys.executable, "-m", "syncsvc", "-c", str(config), "connect", "quickbooks",
                             "--refresh-token", "-"], input="", env=env, cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("syncsvc: error:") and "--refresh-token -" in line and "standard input" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["syncsvc.toml"]
