"""The bench's sandbox process: both sandboxes, a generated account, a QBO company and tokens.

Run by bench/sync_backfill.py as a child process, so the sandboxes' memory and CPU
(a 100,000-order account holds ~1 GB of Python objects) never count against the
sync being measured. Prints one JSON line (where to connect, and the generated
account's summary), then serves until its standard input closes, and prints one
more (what the QBO company holds, and what its throttles let through or refused).

    python bench/sandboxes.py --orders 10000 --seed 7
    python bench/sandboxes.py --orders 2000 --real-limits --time-scale 4 --qbo-latency 0.0625

Two modes for QuickBooks:

- default: no quotas or latency (requests and batch requests per window
  unlimited), so the bench measures the service, not the waiting;
- --real-limits: QuickBooks' real limits (500 requests and 40 batch requests
  per window, 10 in flight) on a window of 60/K seconds (--time-scale K), and
  --qbo-latency seconds added to every answer (sync_backfill.py passes
  production's latency divided by K).

Keap runs without its service-key quota in both: the bench counts its calls
and projects them at 240 a minute.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

UNLIMITED = 10**9
# QuickBooks Online's own limits per company (the sandbox's defaults, spelled out here).
QBO_REQUESTS_PER_MINUTE = 500
QBO_BATCH_REQUESTS_PER_MINUTE = 40
QBO_MAX_IN_FLIGHT = 10


def qbo_options(args) -> dict:
    if not args.real_limits:
        return {"requests_per_minute": UNLIMITED, "batch_requests_per_minute": UNLIMITED}
    return {"requests_per_minute": QBO_REQUESTS_PER_MINUTE, "batch_requests_per_minute": QBO_BATCH_REQUESTS_PER_MINUTE,
            "max_in_flight": QBO_MAX_IN_FLIGHT, "window_seconds": 60.0 / args.time_scale,
            "latency": args.qbo_latency, "batch_item_latency": args.qbo_batch_item_latency}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--real-limits", action="store_true")
    parser.add_argument("--time-scale", type=float, default=10.0)
    parser.add_argument("--qbo-latency", type=float, default=0.25)
    parser.add_argument("--qbo-batch-item-latency", type=float, default=0.0)
    args = parser.parse_args()

    from syncsvc.sandbox.infusionsoft import InfusionsoftSandbox
    from syncsvc.sandbox.infusionsoft.generator import generate_account
    from syncsvc.sandbox.quickbooks import QuickBooksSandbox

    started = time.perf_counter()
    keap = InfusionsoftSandbox(quotas=None)  # no service-key quota: the bench projects Keap's 240/min itself
    account = generate_account(keap.store, orders=args.orders, seed=args.seed)
    generated_seconds = time.perf_counter() - started
    keap.start()
    options = qbo_options(args)
    qbo = QuickBooksSandbox(**options).start()
    realm = qbo.create_company(name="Bench Company")
    tokens = qbo.issue_tokens(realm)
    # Throwaway sandbox credentials, handed to the parent process over a pipe.
    print(json.dumps({
        "keap_url": keap.xmlrpc_url,
        "keap_rest_url": keap.rest_url,
        "keap_key": keap.SERVICE_KEY,
        "qbo_api_base_url": qbo.api_base_url,
        "qbo_discovery_url": qbo.discovery_url,
        "qbo_client_id": qbo.CLIENT_ID,
        "qbo_client_secret": qbo.CLIENT_SECRET,
        "realm": realm,
        "tokens": tokens,
        "qbo_options": options,
        "generated_seconds": round(generated_seconds, 1),
        "account": {"orders": account.orders, "invoices": account.invoices, "contacts": account.contacts,
                    "card_payments": account.card_payments, "manual_payments": account.manual_payments,
                    "deleted_invoices": account.deleted_invoices},
    }), flush=True)
    try:
        sys.stdin.read()  # until the parent closes the pipe (or dies)
    finally:
        print(json.dumps({"qbo_counts": qbo.counts(realm), "qbo_traffic": qbo.traffic(realm)}), flush=True)
        keap.stop()
        qbo.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
