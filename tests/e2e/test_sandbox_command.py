"""`syncsvc sandbox` as a person uses it: start it, copy what it prints, sync through REST v2."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def served(tmp_path):
    """`syncsvc sandbox --orders 30 --xmlrpc-off-from now` running; yields everything it printed up to Ctrl-C."""
    process = subprocess.Popen(
        [sys.executable, "-m", "syncsvc", "sandbox", "--orders", "30", "--seed", "5", "--xmlrpc-off-from", "now"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    printed = []
    for line in process.stdout:
        printed.append(line)
        if "Ctrl-C" in line:
            break
    try:
        yield "".join(printed)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _syncsvc(*args: str, env: dict, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "syncsvc", *args], env=env, input=stdin, capture_output=True,
                          text=True, timeout=120)


def test_the_printed_config_syncs_through_rest_v2_and_xmlrpc_is_switched_off(served, tmp_path: Path):
    config_lines = served.split("Put these lines in your config file:\n", 1)[1].split("\nand set", 1)[0]
    assert 'api = "rest"' in config_lines
    env = dict(os.environ)
    env.update(dict(re.findall(r"^export (\w+)=(\S+)$", served, re.M)))
    config = tmp_path / "syncsvc.toml"
    config.write_text(f'{config_lines}\n\n[state]\ndatabase_url = "sqlite:///{tmp_path / "state.sqlite3"}"\n')
    realm, refresh_token = re.search(r"--realm-id (\S+) --refresh-token (\S+)", served).groups()

    connected = _syncsvc("-c", str(config), "connect", "quickbooks", "--realm-id", realm, "--refresh-token", "-",
                         env=env, stdin=refresh_token)
    assert connected.returncode == 0, connected.stderr
    synced = _syncsvc("-c", str(config), "sync", env=env)
    assert synced.returncode == 0, synced.stderr
    assert re.search(r"\b[1-9]\d* invoices\b", synced.stdout)

    on_xmlrpc = tmp_path / "xmlrpc.toml"
    on_xmlrpc.write_text(config.read_text().replace('api = "rest"', 'api = "xmlrpc"'))
    refused = _syncsvc("-c", str(on_xmlrpc), "sync", env=env)
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1, refused.stderr
    [line] = lines
    assert line.startswith("syncsvc: error:") and '[infusionsoft].api = "rest"' in line
