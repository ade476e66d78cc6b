"""Entry points only: parse arguments, hand off to a command module, report errors in one line."""

from __future__ import annotations

import argparse
import importlib
import sys

from syncsvc import __version__
from syncsvc.errors import SyncsvcError
from syncsvc.service.logsetup import configure_logging

# Each module in syncsvc.commands registers its own sub-command(s).
COMMAND_MODULES = ("sandbox", "demo", "connect", "db", "sync", "status", "link", "check_rest", "run")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="syncsvc", description="Infusionsoft (Keap) to QuickBooks Online sync")
    parser.add_argument("--version", action="version", version=f"syncsvc {__version__}")
    parser.add_argument("-c", "--config", help="config file (default: $SYNCSVC_CONFIG, else built-in defaults)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"syncsvc.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"syncsvc.commands.{name}":
                continue  # command not built yet
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Text until a command knows its settings (`run` switches to [service].log_format).
    configure_logging("text", verbose=args.verbose)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except SyncsvcError as exc:
        print(f"syncsvc: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
