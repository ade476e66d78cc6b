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

EXIT_OK = 0
EXIT_ERROR = 1  # the command could not do its work (the one-line message says what to fix), or an order failed
EXIT_USAGE = 2  # bad arguments: an unknown option, a missing value, --orders that are not order ids
EXIT_HELD = 3  # `sync`: no order failed, but some are held until the fix `syncsvc status` names

EXIT_CODES = """\
exit status:
  0  done (every order posted, or nothing to do)
  1  error: one line on stderr, "syncsvc: error: ...", names what to fix (config file, key,
     database URL, order id); for `sync`, also when any order failed
  2  bad arguments (the one line names the option)
  3  `sync` only: no order failed, but some are held (`syncsvc status` lists them)"""


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line ("syncsvc: error: ...") with exit status 2, no usage block."""

    def error(self, message: str):
        command = self.prog.removeprefix("syncsvc").strip()
        where = f"{command}: " if command else ""
        self.exit(EXIT_USAGE, f"syncsvc: error: {where}{message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="syncsvc", description="Infusionsoft (Keap) to QuickBooks Online sync",
                           epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
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
        print(f"syncsvc: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
