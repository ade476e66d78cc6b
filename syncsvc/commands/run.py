"""`syncsvc run`: the daemon (a sync cycle every [service].interval_seconds until stopped)."""

from __future__ import annotations

import dataclasses


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "run", help="sync continuously: one cycle every [service].interval_seconds until SIGTERM/SIGINT",
        description="Upgrades the state database and checks what no cycle could fix by itself: exits 1 at "
        "once, with one line, when a secret is missing from the environment, no QuickBooks company is "
        "connected, or the stored tokens do not decrypt with SYNCSVC_SECRET_KEY or need reconnecting. Then "
        "takes the connection's lock (waiting while another daemon holds it, unless --no-wait) and runs a sync "
        "cycle at once and every interval. The config file and environment are read only at start: a new key "
        "or setting needs a restart (`syncsvc connect quickbooks` does not). SIGTERM or SIGINT finishes the "
        "order in hand and exits 0. Serves /healthz and /metrics when [service].health_port is set.",
    )
    parser.add_argument("--interval", type=float, metavar="SECONDS", help="override [service].interval_seconds")
    parser.add_argument("--no-wait", action="store_true",
                        help="exit 1 with a message when another daemon holds the connection, instead of waiting")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from syncsvc.config import load_settings
    from syncsvc.errors import ConfigError
    from syncsvc.service.logsetup import configure_logging

    settings = load_settings(args.config)
    if args.interval is not None:
        if args.interval <= 0:
            raise ConfigError("--interval must be more than 0 seconds")
        settings = dataclasses.replace(
            settings, service=dataclasses.replace(settings.service, interval_seconds=args.interval))
    configure_logging(settings.service.log_format, verbose=args.verbose)
    from syncsvc.service.daemon import Daemon  # after the log setup: importing Alembic already logs

    return Daemon(settings, wait_for_lock=False if args.no_wait else None).run()
