"""`syncsvc sync`: run one sync cycle, or re-sync named orders (`--orders 1001,1002`)."""

from __future__ import annotations

import json
import sys

from syncsvc.errors import ConfigError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "sync", help="sync Infusionsoft orders and payments to QuickBooks once",
        description="Without options: one incremental cycle (what changed since the last one). With --orders: "
        "exactly those orders (Infusionsoft order ids, the invoice numbers) and their payments, now, "
        "whatever the watermarks or earlier errors. Exits 1 when any order failed.",
    )
    parser.add_argument("--orders", type=order_ids, help="comma-separated order ids to re-sync, e.g. 1001,1002")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(handler=run)


def order_ids(text: str) -> list[int]:
    try:
        ids = [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise ConfigError(f"--orders {text!r}: expected comma-separated order ids such as 1001,1002") from None
    if not ids:
        raise ConfigError("--orders: no order id given")
    return ids


def run(args) -> int:
    from syncsvc.config import load_settings
    from syncsvc.service.progress import progress_for
    from syncsvc.sync.cycle import run_cycle
    from syncsvc.sync.orders import sync_orders
    from syncsvc.sync.wiring import open_parts

    settings = load_settings(args.config)
    # With --json, stdout carries only the JSON, so progress goes to stderr.
    progress = progress_for(sys.stderr if args.json else sys.stdout)
    with open_parts(settings) as parts:
        try:
            if args.orders:
                summary = sync_orders(parts.source, parts.qb, parts.state, settings.sync, args.orders,
                                      progress=progress.update)
            else:
                summary = run_cycle(parts.source, parts.qb, parts.state, settings.sync, progress=progress.update)
        finally:
            progress.close()
    if args.json:
        print(json.dumps(summary.as_dict(), indent=2, sort_keys=True, default=str))
    else:
        print(summary.line())
        for order_id, reason in sorted(summary.failed.items()):
            print(f"  order {order_id} failed: {reason}")
    return 0 if summary.ok else 1
