"""Benchmark: a first sync (backfill) of a generated Infusionsoft account into an empty QBO company.

    .venv/bin/python bench/sync_backfill.py                  # 10,000 orders
    .venv/bin/python bench/sync_backfill.py --orders 100000

Both sandboxes run in a child process (bench/sandboxes.py) so that this
process holds only the service: its peak RSS is the service's. The sync is
one `run_cycle` through the real clients over loopback, with a SQLite state
database in a temporary directory (or --database-url). The sandboxes run
without production quotas or latency; the table also shows how long the same
requests take at the production limits, which is what a bookkeeper waits on.

Targets (issue): Infusionsoft calls per order <= 0.02, QuickBooks requests per
posted document <= 1.1, peak memory < 250 MB at 10,000 and at 100,000 orders.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

import httpx

from syncsvc.config import SyncSettings

BENCH_DIR = Path(__file__).resolve().parent
PASSPHRASE = "bench-only-secret"
# Production limits a real backfill waits on.
KEAP_CALLS_PER_MINUTE = 240  # service key quota (also 10/s)
QBO_REQUESTS_PER_MINUTE = 500  # per realm and app
TARGETS = {"keap_per_order": 0.02, "qbo_per_document": 1.1, "peak_mb": 250.0}
_METHOD = re.compile(rb"<methodName>([^<]+)</methodName>")
_QUERY_ENTITY = re.compile(r"\bFROM\s+(\w+)", re.IGNORECASE)


class CallCounter:
    """Counts Infusionsoft calls (XML-RPC methods or REST v2 operations) and QBO HTTP requests (by kind and entity)."""

    def __init__(self) -> None:
        self.keap: Counter = Counter()
        self.qbo: Counter = Counter()

    def keap_request(self, request: httpx.Request) -> None:
        found = _METHOD.search(request.content or b"")
        self.keap[found.group(1).decode() if found else "(other)"] += 1

    def qbo_response(self, response, *args, **kwargs) -> None:
        request = response.request
        path = urlparse(request.url).path
        if path.endswith("/query"):
            body = request.body.decode() if isinstance(request.body, bytes) else (request.body or "")
            found = _QUERY_ENTITY.search(body) or _QUERY_ENTITY.search(request.url)
            kind = f"query {found.group(1) if found else '?'}"
        else:
            entity = path.rstrip("/").split("/")[-1] if request.method == "POST" else path.split("/")[-2]
            kind = f"{request.method} {entity}"
        self.qbo[kind] += 1


def start_sandboxes(orders: int, seed: int) -> tuple[subprocess.Popen, dict]:
    child = subprocess.Popen(
        [sys.executable, str(BENCH_DIR / "sandboxes.py"), "--orders", str(orders), "--seed", str(seed)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    line = child.stdout.readline()
    if not line:
        raise SystemExit(f"the sandbox process exited ({child.wait()}) before it was ready")
    return child, json.loads(line)


def stop_sandboxes(child: subprocess.Popen) -> dict:
    child.stdin.close()
    line = child.stdout.readline()
    child.wait(timeout=30)
    return json.loads(line) if line else {}


def settings_for(info: dict, database_url: str, batch_size: int, api: str = "rest"):
    from syncsvc.config import settings_from_dict

    return settings_from_dict({
        "infusionsoft": {"api": api, "base_url": info["keap_url"], "rest_base_url": info["keap_rest_url"],
                         "requests_per_second": 10**6, "requests_per_minute": 10**9},
        "quickbooks": {"api_base_url": info["qbo_api_base_url"], "discovery_url": info["qbo_discovery_url"],
                       "realm_id": info["realm"], "requests_per_minute": 10**9},
        "state": {"database_url": database_url},
        "sync": {"batch_size": batch_size},
    }, where="<bench>")


def prepare_state(info: dict, database_url: str) -> None:
    from syncsvc.store.db import upgrade
    from syncsvc.store.tokens import SqlTokenStore, TokenCipher
    from syncsvc.tokens import token_set_from_response

    os.environ["SYNCSVC_INFUSIONSOFT_API_KEY"] = info["keap_key"]
    os.environ["SYNCSVC_QUICKBOOKS_CLIENT_ID"] = info["qbo_client_id"]
    os.environ["SYNCSVC_QUICKBOOKS_CLIENT_SECRET"] = info["qbo_client_secret"]
    os.environ["SYNCSVC_SECRET_KEY"] = PASSPHRASE
    upgrade(database_url)
    SqlTokenStore(database_url, connection="default", provider="quickbooks", account=info["realm"],
                  cipher=TokenCipher(PASSPHRASE)).save(token_set_from_response(info["tokens"]))


def run_backfill(settings, counter: CallCounter):
    """One cycle, wired like syncsvc.sync.wiring.open_parts, with counting hooks on both clients."""
    from syncsvc.infusionsoft.client import InfusionsoftClient
    from syncsvc.quickbooks.client import open_company
    from syncsvc.sync.cycle import run_cycle
    from syncsvc.sync.wiring import state_store

    state = state_store(settings)
    qb = open_company(settings).client()
    qb.session.hooks["response"].append(counter.qbo_response)
    if settings.infusionsoft.api == "rest":
        from syncsvc.infusionsoft.rest.client import KeapRestClient

        try:
            with KeapRestClient.from_settings(settings) as keap:
                try:
                    return run_cycle(keap.source, qb, state, settings.sync)
                finally:
                    counter.keap.update(keap.caller.calls_by_operation)
        finally:
            state.engine.dispose()
    http = httpx.Client(timeout=settings.infusionsoft.timeout_seconds,
                        event_hooks={"request": [counter.keap_request]})
    try:
        with InfusionsoftClient.from_settings(settings, http=http) as keap:
            return run_cycle(keap.source, qb, state, settings.sync)
    finally:
        http.close()
        state.engine.dispose()


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description="Backfill benchmark of the sync engine on both sandboxes.")
    parser.add_argument("--orders", type=int, default=10_000, help="orders in the generated account (default 10000)")
    parser.add_argument("--seed", type=int, default=7)
    default_batch = SyncSettings().batch_size
    parser.add_argument("--batch-size", type=int, default=default_batch,
                        help=f"[sync].batch_size (default: the service's, {default_batch})")
    parser.add_argument("--api", choices=("rest", "xmlrpc"), default="rest",
                        help="the Keap API to read: REST v2 (default) or XML-RPC")
    parser.add_argument("--database-url", help="state database (default: SQLite in a temporary directory)")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also report the Python-heap peak (slows the sync down about 2x)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object as well")
    args = parser.parse_args()

    print(f"Generating {args.orders:,} orders in the sandbox process (reading Keap through {args.api})...", flush=True)
    child, info = start_sandboxes(args.orders, args.seed)
    try:
        with tempfile.TemporaryDirectory(prefix="syncsvc-bench-") as tmp:
            database_url = args.database_url or f"sqlite:///{Path(tmp) / 'state.sqlite3'}"
            prepare_state(info, database_url)
            settings = settings_for(info, database_url, args.batch_size, args.api)
            counter = CallCounter()
            rss_before = rss_mb()
            if args.tracemalloc:
                tracemalloc.start()
            print(f"Account generated in {info['generated_seconds']} s; syncing...", flush=True)
            started = time.perf_counter()
            cpu_started = time.process_time()
            summary = run_backfill(settings, counter)
            seconds = time.perf_counter() - started
            cpu_seconds = time.process_time() - cpu_started
            heap_peak = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else None
            peak = peak_rss_mb()
    finally:
        qbo_held = stop_sandboxes(child).get("qbo_counts", {})

    figures = compute_figures(args, info, summary, counter, seconds, cpu_seconds, rss_before, peak, heap_peak, qbo_held)
    print_report(figures, summary, counter)
    if args.json:
        print(json.dumps(figures, default=str))
    return 0 if summary.ok else 1


def compute_figures(args, info, summary, counter, seconds, cpu_seconds, rss_before, peak, heap_peak, qbo_held) -> dict:
    c = summary.counts
    documents = c["invoices"] + c["sales_receipts"] + c["payments"]
    keap_calls = sum(counter.keap.values())
    qbo_requests = sum(counter.qbo.values())
    qbo_writes = sum(n for kind, n in counter.qbo.items() if not kind.startswith(("query", "GET")))
    keap_minutes = keap_calls / KEAP_CALLS_PER_MINUTE
    qbo_minutes = qbo_requests / QBO_REQUESTS_PER_MINUTE
    return {
        "api": args.api,
        "orders_generated": args.orders,
        "orders_synced": c["orders"],
        "invoices": c["invoices"], "sales_receipts": c["sales_receipts"], "payments": c["payments"],
        "customers_created": c["customers_created"], "items_created": c["items_created"],
        "held": c["held"], "skipped": c["skipped"], "errors": c["errors"],
        "posted_documents": documents,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu_seconds, 1),
        "orders_per_minute": round(c["orders"] / seconds * 60) if seconds else 0,
        "keap_calls": keap_calls,
        "keap_per_order": keap_calls / c["orders"] if c["orders"] else 0.0,
        "qbo_requests": qbo_requests,
        "qbo_writes": qbo_writes,
        "qbo_per_document": qbo_requests / documents if documents else 0.0,
        "rss_before_mb": round(rss_before, 1),
        "peak_rss_mb": round(peak, 1),
        "heap_peak_mb": round(heap_peak, 1) if heap_peak is not None else None,
        "production_keap_minutes": round(keap_minutes, 1),
        "production_qbo_minutes": round(qbo_minutes, 1),
        "generated_seconds": info["generated_seconds"],
        "qbo_held": qbo_held,
    }


def print_report(f: dict, summary, counter: CallCounter) -> None:
    def verdict(value, target, lower=True):
        return "ok" if (value <= target if lower else value >= target) else "MISSED"

    rows = [
        ("orders synced", f"{f['orders_synced']:,}", ""),
        ("posted documents", f"{f['posted_documents']:,}",
         f"{f['invoices']:,} invoices, {f['sales_receipts']:,} receipts, {f['payments']:,} payments"),
        ("wall time", f"{f['seconds']:,.1f} s", f"{f['cpu_seconds']:,.1f} s CPU in the service process"),
        ("orders per minute", f"{f['orders_per_minute']:,}", "sandboxes without quotas or latency"),
        ("Infusionsoft calls per order", f"{f['keap_per_order']:.4f}",
         f"{f['keap_calls']:,} calls; target <= {TARGETS['keap_per_order']} "
         f"{verdict(f['keap_per_order'], TARGETS['keap_per_order'])}"),
        ("QBO requests per posted document", f"{f['qbo_per_document']:.3f}",
         f"{f['qbo_requests']:,} requests ({f['qbo_writes']:,} writes); target <= {TARGETS['qbo_per_document']} "
         f"{verdict(f['qbo_per_document'], TARGETS['qbo_per_document'])}"),
        ("peak memory (RSS)", f"{f['peak_rss_mb']:.0f} MB",
         f"{f['rss_before_mb']:.0f} MB before the sync; target < {TARGETS['peak_mb']:.0f} MB "
         f"{verdict(f['peak_rss_mb'], TARGETS['peak_mb'])}"),
    ]
    if f["heap_peak_mb"] is not None:
        rows.append(("Python heap peak (tracemalloc)", f"{f['heap_peak_mb']:.0f} MB", "during the sync"))
    rows.append(("at production limits", f"{max(f['production_qbo_minutes'], f['production_keap_minutes']) / 60:.1f} h",
                 f"QBO {QBO_REQUESTS_PER_MINUTE}/min: {f['production_qbo_minutes']:,.0f} min; "
                 f"Keap {KEAP_CALLS_PER_MINUTE}/min: {f['production_keap_minutes']:,.1f} min"))
    width = max(len(r[0]) for r in rows)
    vwidth = max(len(r[1]) for r in rows)
    print()
    for label, value, note in rows:
        print(f"  {label:<{width}}  {value:>{vwidth}}  {note}")
    print(f"\n  {summary.line()}")
    print("  Infusionsoft calls: " + ", ".join(f"{k} {v}" for k, v in counter.keap.most_common()))
    print("  QBO requests: " + ", ".join(f"{k} {v}" for k, v in counter.qbo.most_common()))
    if f["qbo_held"]:
        print("  QBO company now holds: " + ", ".join(f"{k} {v}" for k, v in sorted(f["qbo_held"].items())))


if __name__ == "__main__":
    raise SystemExit(main())
