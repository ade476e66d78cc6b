"""`syncsvc sync`: run one sync cycle, or re-sync named orders (`--orders 1001,1002`)."""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "sync", help="sync Infusionsoft orders and payments to QuickBooks once",
        description="Without options: one incremental cycle (what changed since the last one). With --orders: "
        "exactly those orders (Infusionsoft order ids, the invoice numbers) and their payments, now, "
        "whatever the watermarks or earlier errors. Exit status: 0 when every order was posted (or had "
        "nothing to do); 1 when any order failed, or the sync could not run; 3 when none failed but some "
        "were held (they wait for a fix named in `syncsvc status`), so cron notices held orders too.",
    )
    parser.add_argument("--orders", type=order_ids, help="comma-separated order ids to re-sync, e.g. 1001,1002")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(handler=run)


MAX_ORDER_ID = 2**31 - 1  # Infusionsoft ids are 32-bit, and so are the state database's order_id columns


def order_ids(text: str) -> list[int]:
    """The argparse type of --orders: a bad value is a usage error (one line, exit status 2)."""
    parts = [part for part in text.replace(" ", "").split(",") if part]
    if not parts:
        raise argparse.ArgumentTypeError(f"{text!r} names no order id (expected e.g. 1001,1002)")
    ids = []
    for part in parts:
        if not part.isascii() or not part.isdigit():
            raise argparse.ArgumentTypeError(
                f"{part!r} is not an order id (expected comma-separated numbers, e.g. 1001,1002)")
        order_id = int(part)
        if not 1 <= order_id <= MAX_ORDER_ID:
            raise argparse.ArgumentTypeError(
                f"{part} is not an Infusionsoft order id (ids run from 1 to {MAX_ORDER_ID})")
        ids.append(order_id)
    return ids


def run(args) -> int:
    from syncsvc.config import load_settings
    from syncsvc.service.locking import SYNC_BY_HAND, ConnectionLease, LeaseFence, LockHeld, exclusive, holder_name
    from syncsvc.store.db import upgrade
    from syncsvc.sync.wiring import state_store

    settings = load_settings(args.config)
    upgrade(settings.state.database_url)
    state = state_store(settings)
    me = holder_name(SYNC_BY_HAND)
    lease = ConnectionLease(state.engine, settings.connection.name, settings.service.lock_ttl_seconds, holder=me)
    try:
        refused = ("not running a second sync beside it; a running daemon takes `syncsvc sync --orders` "
                   "as a queued re-sync, another `syncsvc sync` must finish first")
        try:
            with exclusive(lease, refused) as lease_lost:
                summary = _sync(args, settings, should_stop=lease_lost.is_set, fence=LeaseFence(lease))
        except LockHeld as held:
            if not (args.orders and held.holder and held.holder.is_daemon):
                raise
            state.queue_resync(args.orders, requested_by=me)
            return _report_queued(args, held, settings)
    finally:
        state.engine.dispose()
    if args.json:
        print(json.dumps(summary.as_dict(), indent=2, sort_keys=True, default=str))
    else:
        print(summary.line())
        for order_id, reason in sorted(summary.failed.items()):
            print(f"  order {order_id} failed: {reason}")
    return exit_code(summary)


EXIT_FAILED = 1  # an order failed (or the sync could not run)
EXIT_HELD = 3  # no order failed, but some were held and wait for a fix


def exit_code(summary) -> int:
    """0: all posted; EXIT_FAILED when any order failed (it wins over held); EXIT_HELD when only held."""
    if not summary.ok:
        return EXIT_FAILED
    return EXIT_HELD if summary.held else 0


def _sync(args, settings, should_stop, fence):
    """One cycle, or the named orders, while this process holds the connection (checked before each
    QuickBooks write through `fence`)."""
    from syncsvc.service.progress import progress_for
    from syncsvc.sync.cycle import run_cycle
    from syncsvc.sync.orders import sync_orders
    from syncsvc.sync.wiring import open_parts

    # With --json, stdout carries only the JSON, so progress goes to stderr.
    progress = progress_for(sys.stderr if args.json else sys.stdout)
    with open_parts(settings, upgrade_schema=False, fence=fence) as parts:
        try:
            if args.orders:
                return sync_orders(parts.source, parts.qb, parts.state, settings.sync, args.orders,
                                   progress=progress.update)
            return run_cycle(parts.source, parts.qb, parts.state, settings.sync, progress=progress.update,
                             should_stop=should_stop)
        finally:
            progress.close()


def _report_queued(args, held, settings) -> int:
    """A daemon holds the connection: the orders wait in the state database for its next cycle."""
    orders = ",".join(str(order_id) for order_id in sorted(set(args.orders)))
    holder = held.holder.holder
    if args.json:
        print(json.dumps({"queued": sorted(set(args.orders)), "daemon": holder}, indent=2))
    else:
        print(f"orders {orders} queued: the daemon {holder} holds connection {settings.connection.name} and "
              f"re-syncs them as soon as its current cycle, if any, ends (it looks every few seconds); "
              f"`syncsvc status` lists them until then")
    return 0
