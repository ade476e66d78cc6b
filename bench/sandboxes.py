"""The bench's sandbox process: both sandboxes, a generated account, a QBO company and tokens.

Run by bench/sync_backfill.py as a child process, so the sandboxes' memory and CPU
(a 100,000-order account holds ~1 GB of Python objects) never count against the
sync being measured. Prints one JSON line (where to connect, and the generated
account's summary), then serves until its standard input closes.

    python bench/sandboxes.py --orders 10000 --seed 7
"""

from __future__ import annotations

import argparse
import json
import sys
import time

# No production quotas or latency: the bench measures the service, not the waiting
# (the bench reports separately what the production limits imply).
UNLIMITED_QBO_PER_MINUTE = 10**9


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from syncsvc.sandbox.infusionsoft import InfusionsoftSandbox
    from syncsvc.sandbox.infusionsoft.generator import generate_account
    from syncsvc.sandbox.quickbooks import QuickBooksSandbox

    started = time.perf_counter()
    keap = InfusionsoftSandbox(quotas=None)  # no service-key quota: see UNLIMITED_QBO_PER_MINUTE
    account = generate_account(keap.store, orders=args.orders, seed=args.seed)
    generated_seconds = time.perf_counter() - started
    keap.start()
    qbo = QuickBooksSandbox(requests_per_minute=UNLIMITED_QBO_PER_MINUTE).start()
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
        "generated_seconds": round(generated_seconds, 1),
        "account": {"orders": account.orders, "invoices": account.invoices, "contacts": account.contacts,
                    "card_payments": account.card_payments, "manual_payments": account.manual_payments,
                    "deleted_invoices": account.deleted_invoices},
    }), flush=True)
    try:
        sys.stdin.read()  # until the parent closes the pipe (or dies)
    finally:
        counts = qbo.counts(realm)
        print(json.dumps({"qbo_counts": counts}), flush=True)
        keap.stop()
        qbo.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
