"""`syncsvc sandbox`: serve both API sandboxes on loopback, write a config file for them, and print the
commands that take a person from there to a running daemon.

The config file is complete: the daemon runs with it as is (absolute state database path, the health
listener on a free port, the sandboxes' URLs and company). Each run starts empty sandboxes on new ports
with a new company, so it rewrites the file and names a new state database (a database synced against an
earlier sandbox would take its records for this one's). It never overwrites a file it did not write.
"""

from __future__ import annotations

import shlex
import signal
import threading
from datetime import datetime, timezone
from pathlib import Path

DEFAULT_CONFIG = "syncsvc-sandbox.toml"
MARKER = "# Written by `syncsvc sandbox`"  # the first line of every file it writes
SANDBOX_SECRET_KEY = "sandbox-only-secret"

# The generator's mixes (syncsvc.sandbox.infusionsoft.generator.MIXES), named here so that
# building the CLI parser does not import the sandbox.
MIX_CHOICES = ("typical", "stress")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "sandbox",
        help="serve the Infusionsoft and QuickBooks sandboxes on loopback",
        description="Serve the built-in Infusionsoft and QuickBooks Online sandboxes on 127.0.0.1, "
        "write a complete config file for them (--write-config), and print the environment and the "
        "commands that connect and run syncsvc against them.",
    )
    parser.add_argument(
        "--write-config", metavar="FILE", default=DEFAULT_CONFIG,
        help=f"where to write the config file for the sandboxes (default {DEFAULT_CONFIG} in the working "
        "directory); its state database goes in a folder beside it. A file not written by `syncsvc sandbox` "
        "is never overwritten",
    )
    parser.add_argument("--health-port", type=int, default=0,
                        help="[service].health_port written in the config (default: a free one)")
    parser.add_argument("--infusionsoft-port", type=int, default=0, help="port for the Infusionsoft sandbox (default: a free one)")
    parser.add_argument("--quickbooks-port", type=int, default=0, help="port for the QuickBooks sandbox (default: a free one)")
    parser.add_argument("--orders", type=int, default=0, help="seed the Infusionsoft account with this many generated orders")
    parser.add_argument("--seed", type=int, default=0, help="random seed for the generated account")
    parser.add_argument(
        "--mix", choices=MIX_CHOICES, default="typical",
        help="how messy the generated account is: typical (about 7%% of sales lines without SKU or product, "
        "so on the unknown item) or stress (about 40%%, as the tests and benchmark use); default typical",
    )
    parser.add_argument(
        "--real-quotas", action="store_true", help="enforce Keap's service-key quotas (10/s, 240/min) instead of none"
    )
    parser.add_argument(
        "--xmlrpc-off-from", type=moment, metavar="WHEN",
        help="switch the sandbox's XML-RPC face off from WHEN (ISO date or date-time, UTC unless it says; "
        "'now' for at once), as Keap does after 2026-12-31; REST v2 goes on",
    )
    parser.set_defaults(handler=run)


def moment(text: str):
    """--xmlrpc-off-from: 'now', an ISO date (midnight UTC) or an ISO date-time (UTC unless it has an offset)."""
    from argparse import ArgumentTypeError
    from datetime import datetime, timezone

    if text.strip().lower() == "now":
        return datetime.now(timezone.utc)
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ArgumentTypeError(f"{text!r}: expected 'now', a date such as 2027-01-01 "
                          f"or a date-time such as 2027-01-01T05:00:00+00:00") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def start_sandboxes(infusionsoft_port: int = 0, quickbooks_port: int = 0, real_quotas: bool = False):
    """Start both sandboxes and a QuickBooks company; return (infusionsoft, quickbooks, realm_id)."""
    from syncsvc.sandbox.infusionsoft import InfusionsoftSandbox
    from syncsvc.sandbox.quickbooks import QuickBooksSandbox

    quotas = InfusionsoftSandbox.SERVICE_KEY_QUOTAS if real_quotas else None
    infusionsoft = InfusionsoftSandbox(quotas=quotas, port=infusionsoft_port).start()
    quickbooks = QuickBooksSandbox(port=quickbooks_port).start()
    realm_id = quickbooks.create_company(name="Sandbox Company")
    return infusionsoft, quickbooks, realm_id


def config_lines(infusionsoft, quickbooks, realm_id: str) -> str:
    """The [infusionsoft] and [quickbooks] sections that point syncsvc at running sandboxes."""
    return "\n".join(
        [
            "[infusionsoft]",
            'api = "rest"',
            f'rest_base_url = "{infusionsoft.rest_url}"',
            f'base_url = "{infusionsoft.xmlrpc_url}"',
            'auth = "service_key"',
            f'token_url = "{infusionsoft.token_url}"',
            "",
            "[quickbooks]",
            f'api_base_url = "{quickbooks.api_base_url}"',
            f'discovery_url = "{quickbooks.discovery_url}"',
            f'realm_id = "{realm_id}"',
        ]
    )


def config_file_text(infusionsoft, quickbooks, realm_id: str, database: Path, health_port: int,
                     written_at: datetime) -> str:
    """A complete config file for the running sandboxes (see the module docstring)."""
    from sqlalchemy.engine import URL

    database_url = URL.create("sqlite", database=str(database)).render_as_string(hide_password=False)
    return "\n".join([
        f"{MARKER} at {written_at.isoformat(timespec='seconds')}: the built-in sandboxes on",
        "# loopback, which live only while that command runs; it rewrites this file each time.",
        "# Secrets are never in a config file: export the SYNCSVC_* variables it printed.",
        "",
        "[state]",
        "# Absolute, so every command finds it from any directory; new for each sandbox run.",
        f"database_url = {_toml_string(database_url)}",
        "",
        config_lines(infusionsoft, quickbooks, realm_id),
        "",
        "[service]",
        "interval_seconds = 60",
        f"health_port = {health_port}",
        'health_bind = "127.0.0.1"',
        "",
    ])


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def claim_config_path(path: Path) -> Path:
    """The absolute path to write the config to; a ConfigError (before anything starts) if a file is
    there that `syncsvc sandbox` did not write, or the folder cannot hold one."""
    from syncsvc.errors import ConfigError

    path = path.expanduser().absolute()
    if path.is_dir():
        raise ConfigError(f"--write-config {path} is a directory: name a file, e.g. {path / DEFAULT_CONFIG}")
    if path.exists():
        try:
            with path.open("r", encoding="utf-8", errors="replace") as fh:
                first = fh.readline()
        except OSError as exc:
            raise ConfigError(f"--write-config {path} cannot be read: {exc.strerror or exc}") from None
        if not first.startswith(MARKER):
            raise ConfigError(f"--write-config {path} exists and was not written by `syncsvc sandbox`: "
                              f"name another file (it is never overwritten)")
    elif not path.parent.is_dir():
        raise ConfigError(f"--write-config {path}: the folder {path.parent} does not exist")
    return path


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(args) -> int:
    from syncsvc.errors import ConfigError

    config = claim_config_path(Path(args.write_config))
    if not 0 <= args.health_port <= 65535:
        raise ConfigError("--health-port must be 0 (a free one) or a port 1..65535")
    infusionsoft, quickbooks, realm_id = start_sandboxes(args.infusionsoft_port, args.quickbooks_port, args.real_quotas)
    if args.orders:
        from syncsvc.sandbox.infusionsoft.generator import generate_account

        generate_account(infusionsoft.store, orders=args.orders, seed=args.seed, mix=args.mix)
    if args.xmlrpc_off_from is not None:
        infusionsoft.set_xmlrpc_off_from(args.xmlrpc_off_from)
    written_at = datetime.now(timezone.utc).replace(microsecond=0)
    database = config.parent / f"{config.stem}-state" / f"{written_at.strftime('%Y%m%dT%H%M%SZ')}-{realm_id}.sqlite3"
    health_port = args.health_port or free_port()
    try:
        config.write_text(config_file_text(infusionsoft, quickbooks, realm_id, database, health_port, written_at),
                          encoding="utf-8")
    except OSError as exc:
        infusionsoft.stop()
        quickbooks.stop()
        raise ConfigError(f"--write-config {config} cannot be written: {exc.strerror or exc}") from None
    tokens = quickbooks.issue_tokens(realm_id)
    file = shlex.quote(str(config))
    # These are the sandboxes' own throwaway credentials, printed so a person can copy them.
    print(f"Sandboxes are running. Wrote {config}, a complete config for them:")
    print(f"  state database  {database}")
    print(f"  health          http://127.0.0.1:{health_port}/healthz and /metrics (while `run` runs)")
    print(f"  Keap REST v2    {infusionsoft.rest_url}")
    print(f"  QuickBooks      {quickbooks.api_base_url}, company {realm_id}")
    print("\n1. Set, in the environment (sandbox credentials, not real ones):\n")
    print(f"export SYNCSVC_INFUSIONSOFT_API_KEY={infusionsoft.SERVICE_KEY}")
    print(f"export SYNCSVC_QUICKBOOKS_CLIENT_ID={quickbooks.CLIENT_ID}")
    print(f"export SYNCSVC_QUICKBOOKS_CLIENT_SECRET={quickbooks.CLIENT_SECRET}")
    print(f"export SYNCSVC_SECRET_KEY={SANDBOX_SECRET_KEY}")
    print("\n2. Store the QuickBooks tokens once. The command reads the refresh token from standard input")
    print("   (paste it when asked, or pipe it in), so it stays off the command line:\n")
    print(f"syncsvc -c {file} connect quickbooks --refresh-token -")
    print(f"\n   QuickBooks refresh token: {tokens['refresh_token']}")
    print("\n3. Run the daemon (Ctrl-C stops it), or one cycle with `sync` instead of `run`:\n")
    print(f"syncsvc -c {file} run")
    print("\nRun those in another terminal: the sandboxes serve until this command ends. Press Ctrl-C to stop.",
          flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        infusionsoft.stop()
        quickbooks.stop()
    return 0
