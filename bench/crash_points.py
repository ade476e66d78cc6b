"""Kill -9 a real `syncsvc sync` at random points of a backfill (optionally in a fault storm), then audit the books.

    .venv/bin/python bench/crash_points.py                          # 600 orders, 30 crash points
    .venv/bin/python bench/crash_points.py --storm 0.2 --crashes 10  # and one request in five fails
    .venv/bin/python bench/crash_points.py --database-url postgresql+psycopg://...

Both sandboxes run in this process; each sync is a separate `python -m syncsvc
sync` process, killed with SIGKILL after a random delay, so a crash can land
anywhere: between a QuickBooks write and its record, inside a state-database
transaction, mid-request. After the crash points, syncs run to completion
(the last two must write nothing), and the audit prints: crash points tried,
duplicates (a DocNumber or PaymentRefNum twice), missing (an order neither in
QuickBooks nor held or skipped with a reason), whether per-day totals agree
with Keap to the cent, and orders stuck in error. It exits 0 only when there
are no duplicates, nothing missing, totals agree and nothing is stuck.

The storm injects, at random, the faults both sandboxes can give: QuickBooks
5xx, HTML 503, 429s (XML and JSON), empty bodies and responses dropped after
the write was committed; Keap 5xx, 429, blank, cut-off and HTML answers.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

PASSPHRASE = "bench-only-secret"
QBO_FAULTS = ("http500", "http503_html", "throttle_xml", "throttle_json", "empty_body", "drop_after_commit")
KEAP_FAULTS = ("http500", "http503", "http429", "blank", "cut", "html")
CLEAN_RUNS_MAX = 6  # syncs after the crash points, until two in a row write nothing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=600)
    parser.add_argument("--crashes", type=int, default=30, help="kill -9 points to try (default 30)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--storm", type=float, default=0.0,
                        help="share of requests to fail while syncing, e.g. 0.2 (default: none)")
    parser.add_argument("--api", choices=("rest", "xmlrpc"), default="rest")
    parser.add_argument("--database-url", help="state database (default: SQLite in a temporary directory)")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    from syncsvc.sandbox.infusionsoft import InfusionsoftSandbox
    from syncsvc.sandbox.infusionsoft.generator import generate_account
    from syncsvc.sandbox.quickbooks import QuickBooksSandbox

    with tempfile.TemporaryDirectory(prefix="syncsvc-crash-") as tmp, InfusionsoftSandbox() as keap, \
            QuickBooksSandbox(requests_per_minute=10**6, batch_requests_per_minute=10**6) as qbo:
        generate_account(keap.store, orders=args.orders, seed=args.seed, mix="stress")
        realm = qbo.create_company(name="Crash Company")
        database_url = args.database_url or f"sqlite:///{Path(tmp) / 'state.sqlite3'}"
        config, env = _connect(keap, qbo, realm, database_url, Path(tmp), args.api)
        storm = _Storm(keap, qbo, realm, args.storm, rng) if args.storm else None

        started = time.perf_counter()
        # How long a whole backfill takes here and now (into a scratch company and database), so that
        # kills land anywhere from before the first write to the end, whatever the machine's load.
        scratch_realm = qbo.create_company(name="Calibration")
        scratch = _connect(keap, qbo, scratch_realm, f"sqlite:///{Path(tmp) / 'scratch.sqlite3'}", Path(tmp) / "x", args.api)
        calibrating = time.perf_counter()
        _sync(*scratch, kill_after=None)
        full = time.perf_counter() - calibrating
        tried = completed = 0
        recorded_at_kills = []
        # Kill delays spread over a run's likely length, so crash points land all through the backfill.
        for _ in range(args.crashes):
            _sell(keap.store, rng, args.orders // 10)  # the shop goes on selling: every sync has writes to do
            outcome = _sync(config, env, kill_after=rng.uniform(0.1 * full, full), storm=storm)
            tried += outcome == "killed"
            completed += outcome == "finished"
            if outcome == "killed":
                recorded_at_kills.append(_writes(config))
        clean = _settle(config, env, storm)
        seconds = time.perf_counter() - started
        audit = _audit(keap, qbo, realm, database_url)

    print(f"\n  orders in Keap                  {audit['orders']:,}")
    print(f"  a whole backfill here takes     {full:.1f} s; kills after 10-100% of that")
    print(f"  crash points tried              {tried} (and {completed} syncs finished before their kill)")
    print(f"  documents and payments recorded at each kill: {', '.join(map(str, recorded_at_kills))}")
    if storm:
        print(f"  storm                           {storm.injected} faults injected (about {args.storm:.0%} of requests)")
    print(f"  syncs to settle afterwards      {clean}")
    print(f"  duplicates                      {audit['duplicates']}")
    print(f"  missing                         {audit['missing']}")
    print(f"  per-day totals agree            {'yes' if audit['totals_agree'] else 'NO'}")
    print(f"  orders stuck in error           {audit['stuck']}")
    for reason in audit["stuck_reasons"]:
        print(f"    {reason[:300]}")
    print(f"  posted / held / skipped         {audit['posted']} / {audit['held']} / {audit['skipped']}")
    print(f"  wall time                       {seconds:.0f} s")
    good = not audit["duplicates"] and not audit["missing"] and audit["totals_agree"] and not audit["stuck"]
    return 0 if good else 1


def _sell(store, rng: random.Random, orders: int) -> None:
    """New orders as a shop takes them: card-paid, paid by check (stamped 12:00 AM) or left open."""
    from syncsvc.sandbox.infusionsoft import billing
    from syncsvc.sandbox.infusionsoft.store import APPROVE_CARD

    contacts = list(store.table("Contact"))
    products = [row for row in store.table("Product").values() if row.get("Sku")]
    for _ in range(orders):
        contact = rng.choice(contacts)
        invoice_id = billing.create_order(store, contact, "Web order")
        for product in rng.sample(products, rng.randint(1, 3)):
            billing.add_item(store, invoice_id, product["Id"], 4, product["ProductPrice"], rng.randint(1, 3),
                             product["ProductName"])
        due = store.get("Invoice", invoice_id)["TotalDue"]
        roll = rng.random()
        if roll < 0.7:
            billing.charge_card(store, invoice_id, store.add_credit_card(contact, APPROVE_CARD), due)
        elif roll < 0.9:
            billing.add_manual_payment(store, invoice_id, due, store.now(), "Check")


def _connect(keap, qbo, realm: str, database_url: str, folder: Path, api: str) -> tuple[str, dict]:
    """A config file and environment for `syncsvc sync`, with the QuickBooks tokens stored."""
    from syncsvc.store.db import upgrade
    from syncsvc.store.tokens import SqlTokenStore, TokenCipher
    from syncsvc.tokens import token_set_from_response

    folder.mkdir(exist_ok=True)
    config = folder / "syncsvc.toml"
    config.write_text(
        f'[infusionsoft]\napi = "{api}"\nbase_url = "{keap.xmlrpc_url}"\nrest_base_url = "{keap.rest_url}"\n'
        f"requests_per_second = 100000\nrequests_per_minute = 10000000\ntimeout_seconds = 5.0\n"
        f'[quickbooks]\napi_base_url = "{qbo.api_base_url}"\ndiscovery_url = "{qbo.discovery_url}"\n'
        f'realm_id = "{realm}"\nrequests_per_minute = 1000000\nbatch_requests_per_minute = 1000000\n'
        f"timeout_seconds = 5.0\n"
        f"throttle_wait_seconds = 0.05\nbackoff_base_seconds = 0.01\nbackoff_max_seconds = 0.2\n"
        f'[state]\ndatabase_url = "{database_url}"\n'
        f"[service]\nlock_ttl_seconds = 2\n"
        # Small batches: a sync starts writing soon after it starts, so kills land among the writes.
        f"[sync]\nbatch_size = 50\n"
    )
    env = dict(os.environ, SYNCSVC_INFUSIONSOFT_API_KEY=keap.SERVICE_KEY, SYNCSVC_QUICKBOOKS_CLIENT_ID=qbo.CLIENT_ID,
               SYNCSVC_QUICKBOOKS_CLIENT_SECRET=qbo.CLIENT_SECRET, SYNCSVC_SECRET_KEY=PASSPHRASE)
    upgrade(database_url)
    SqlTokenStore(database_url, connection="default", provider="quickbooks", account=realm,
                  cipher=TokenCipher(PASSPHRASE)).save(token_set_from_response(qbo.issue_tokens(realm)))
    return str(config), env


def _sync(config: str, env: dict, kill_after: float | None, storm=None) -> str:
    """One `syncsvc sync`: "killed" (SIGKILL after `kill_after` s), "finished", or "refused" (a lease still held)."""
    for _ in range(20):
        process = subprocess.Popen([sys.executable, "-m", "syncsvc", "-c", config, "sync"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if storm:
            storm.start()
        try:
            process.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return "killed"
        finally:
            if storm:
                storm.stop()
        err = process.stderr.read()
        if "is being synced by" in err:
            time.sleep(1.0)  # the killed sync's lease: wait for it to lapse
            continue
        return "finished"
    raise SystemExit("a sync stayed refused for 20 tries: the lease was never released")


def _settle(config: str, env: dict, storm) -> int:
    """Syncs until two in a row post nothing new; returns how many ran."""
    quiet, runs = 0, 0
    while quiet < 2 and runs < CLEAN_RUNS_MAX:
        before = _writes(config)
        _sync(config, env, kill_after=None, storm=storm if runs < 2 else None)
        runs += 1
        quiet = quiet + 1 if _writes(config) == before else 0
    return runs


def _writes(config: str) -> int:
    from syncsvc.config import load_settings
    from sqlalchemy import func, select

    from syncsvc.store.sync_models import SyncedDocument, SyncedPayment
    from syncsvc.sync.wiring import state_store

    state = state_store(load_settings(config))
    try:
        with state.engine.connect() as connection:
            return sum(connection.scalar(select(func.count()).select_from(model)) for model in
                       (SyncedDocument, SyncedPayment))
    finally:
        state.engine.dispose()


def _audit(keap, qbo, realm: str, database_url: str) -> dict:
    from syncsvc.store.db import make_engine
    from syncsvc.store.state import StateStore

    invoices = qbo.entities(realm, "Invoice")
    payments = qbo.entities(realm, "Payment")
    duplicates = sum(n - 1 for n in Counter(i["DocNumber"] for i in invoices).values() if n > 1)
    duplicates += sum(n - 1 for n in Counter(p.get("PaymentRefNum") for p in payments).values() if n > 1)
    state = StateStore(make_engine(database_url), "default")
    try:
        with state.unit() as uow:
            order_issues = [i for i in uow.open_issues() if i.subject == "order"]
            issues = {i.subject_id: i.kind for i in order_issues}
            stuck_reasons = [f"order {i.subject_id}: {i.reason}" for i in order_issues if i.kind == "error"][:5]
    finally:
        state.engine.dispose()
    keap_orders = {row["JobId"]: row for row in keap.store.rows("Invoice")}
    posted = {int(i["DocNumber"]) for i in invoices}
    missing = len(set(keap_orders) - posted - set(issues))
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for order_id in posted & set(keap_orders):
        row = keap_orders[order_id]
        expected[row["DateCreated"].date().isoformat()] += row["InvoiceTotal"]
    actual = {day.isoformat(): total for day, total in qbo.totals_by_day(realm, "Invoice").items()}
    kinds = Counter(issues.values())
    return {"orders": len(keap_orders), "duplicates": duplicates, "missing": missing,
            "totals_agree": actual == dict(expected), "stuck": kinds["error"], "posted": len(posted),
            "held": kinds["held"], "skipped": kinds["skipped"], "stuck_reasons": stuck_reasons}


class _Storm:
    """While a sync runs, fails about `share` of the requests. A fault waits in the sandbox for the next
    request; a new one is queued only once it has been served, so faults never pile up while the sync is
    between requests, and the waits between them assume about REQUESTS_PER_SECOND requests a second."""

    REQUESTS_PER_SECOND = 150

    def __init__(self, keap, qbo, realm: str, share: float, rng: random.Random) -> None:
        self.keap, self.qbo, self.realm, self.share, self.rng = keap, qbo, realm, share, rng
        self.injected = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()

    def _pending(self) -> bool:
        # The sandboxes' queues of injected faults (bench code may look inside its own sandboxes).
        return bool(self.qbo._app.limits[self.realm].injections or self.keap.injector._pending)

    def _run(self) -> None:
        while not self._stop.wait(self.rng.expovariate(self.share * self.REQUESTS_PER_SECOND)):
            if self._pending():
                continue
            if self.rng.random() < 0.85:
                self.qbo.inject(self.realm, self.rng.choice(QBO_FAULTS))
            else:
                self.keap.inject(self.rng.choice(KEAP_FAULTS))
            self.injected += 1


if __name__ == "__main__":
    raise SystemExit(main())
