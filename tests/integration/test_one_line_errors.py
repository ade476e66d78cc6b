"""Every failure is one line on stderr naming what to fix, with a documented exit status, never a
traceback, and a failed run writes nothing (issue 12). Each case runs `python -m syncsvc` for real."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXIT_ERROR, EXIT_USAGE = 1, 2
PASSWORD = "s3cret-pw"
DB_COMMANDS = (["sync"], ["db", "upgrade"], ["db", "current"], ["run", "--no-wait"])


def syncsvc(cwd: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCSVC_")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return subprocess.run([sys.executable, "-m", "syncsvc", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def files_under(folder: Path) -> set[Path]:
    return {p.relative_to(folder) for p in folder.rglob("*")}


def assert_one_line(result: subprocess.CompletedProcess, code: int, *names: str) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("syncsvc: error: "), lines[0]
    assert result.returncode == code, (result.returncode, lines[0])
    assert PASSWORD not in result.stderr + result.stdout
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


def run_failing(tmp_path: Path, args: list[str], code: int, *names: str) -> str:
    before = files_under(tmp_path)
    result = syncsvc(tmp_path, *args)
    line = assert_one_line(result, code, *names)
    assert files_under(tmp_path) == before, "a failed run left files behind"
    return line


@pytest.mark.parametrize("value, named", [
    ("abc", "'abc'"),
    ("", "no order id"),
    (",,", "no order id"),
    ("1001,x2", "'x2'"),
    ("-5", "'-5'"),
    ("0", "0 is not"),
    ("99999999999999999999", "99999999999999999999"),
])
@pytest.mark.parametrize("command", ["sync", "check-rest"])
def test_bad_order_ids_are_one_usage_line(tmp_path, command, value, named):
    line = run_failing(tmp_path, [command, f"--orders={value}"], EXIT_USAGE, "--orders", named)
    assert line.startswith(f"syncsvc: error: {command}: argument --orders: ")


@pytest.mark.parametrize("args", [["sync", "--bogus"], ["no-such-command"], ["check-rest"], ["db"]])
def test_usage_errors_are_one_line_without_usage_block(tmp_path, args):
    run_failing(tmp_path, args, EXIT_USAGE)


def write_config(tmp_path: Path, database_url: str) -> Path:
    config = tmp_path / "syncsvc.toml"
    config.write_text(f'[state]\ndatabase_url = "{database_url}"\n')
    return config


@pytest.mark.parametrize("command", DB_COMMANDS, ids=" ".join)
@pytest.mark.parametrize("database_url, names", [
    (f"postgresql+psycopg://syncsvc:{PASSWORD}@127.0.0.1:1/syncsvc",
     ["postgresql+psycopg://syncsvc:***@127.0.0.1:1/syncsvc", "[state].database_url", "Connection refused"]),
    (f"postgres://syncsvc:{PASSWORD}@127.0.0.1:1/syncsvc",
     ["syncsvc.toml", "[state].database_url", "postgresql+psycopg://syncsvc:***@127.0.0.1:1/syncsvc"]),
    (f"postgresql://syncsvc:{PASSWORD}@127.0.0.1:1/syncsvc", ["syncsvc.toml", "postgresql+psycopg://"]),
    ("state.db", ["syncsvc.toml", "[state].database_url", "'state.db'", "sqlite:///"]),
    ("mysql://root@localhost/x", ["syncsvc.toml", "[state].database_url", "SQLite or PostgreSQL"]),
], ids=["pg-no-server", "postgres-scheme", "pg-no-driver", "bare-path", "mysql"])
def test_unusable_database_url_is_one_line(tmp_path, command, database_url, names):
    config = write_config(tmp_path, database_url)
    run_failing(tmp_path, ["-c", str(config), *command], EXIT_ERROR, *names)


@pytest.mark.parametrize("command", DB_COMMANDS, ids=" ".join)
def test_sqlite_file_that_cannot_be_created_is_one_line(tmp_path, command):
    (tmp_path / "not-a-folder").write_text("")  # a file where a directory should be: fails even for root
    target = tmp_path / "not-a-folder" / "state" / "syncsvc.sqlite3"
    config = write_config(tmp_path, f"sqlite:///{target}")
    run_failing(tmp_path, ["-c", str(config), *command], EXIT_ERROR, str(target), "[state].database_url")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
@pytest.mark.parametrize("command", DB_COMMANDS, ids=" ".join)
def test_sqlite_in_read_only_directory_is_one_line(tmp_path, command):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    target = locked / "deeper" / "syncsvc.sqlite3"
    config = write_config(tmp_path, f"sqlite:///{target}")
    try:
        run_failing(tmp_path, ["-c", str(config), *command], EXIT_ERROR, str(target), "Permission denied")
    finally:
        locked.chmod(0o700)


@pytest.mark.parametrize("command", [["sync"], ["db", "upgrade"], ["run", "--no-wait"], ["status"]], ids=" ".join)
def test_config_file_that_is_not_utf8_is_one_line(tmp_path, command):
    config = tmp_path / "syncsvc.toml"
    config.write_bytes('[state]\ndatabase_url = "sqlite:///caf\xe9.db"\n'.encode("latin-1"))
    run_failing(tmp_path, ["-c", str(config), *command], EXIT_ERROR, str(config), "UTF-8")


@pytest.mark.parametrize("command", [["sync"], ["db", "current"], ["run", "--no-wait"]], ids=" ".join)
def test_config_file_that_is_a_directory_is_one_line(tmp_path, command):
    folder = tmp_path / "conf.d"
    folder.mkdir()
    run_failing(tmp_path, ["-c", str(folder), *command], EXIT_ERROR, str(folder), "directory")


def test_missing_config_file_is_one_line(tmp_path):
    run_failing(tmp_path, ["-c", str(tmp_path / "nope.toml"), "sync"], EXIT_ERROR, "nope.toml")


def test_help_documents_the_exit_codes(tmp_path):
    result = syncsvc(tmp_path, "--help")
    assert result.returncode == 0
    epilog = result.stdout.split("exit status:", 1)[1]
    for code, meaning in [("0", "done"), ("1", "error"), ("2", "bad arguments"), ("3", "held")]:
        assert any(line.strip().startswith(code) and meaning in line for line in epilog.splitlines()), code
