"""`syncsvc demo`: the README's main-job command, told as a bookkeeper's story.

Both sandboxes start on free loopback ports. The Infusionsoft account gets a
couple of months of generated history plus a few hand-made cases; the
QuickBooks company already holds customers and an invoice typed in by hand.
Then four syncs: the first posts everything, the second picks up a check
entered hours late (Infusionsoft stamps it 12:00 AM), the third shows that
nothing is created twice, and the fourth re-syncs orders whose records a
"crash" removed from the state database, adopting what QuickBooks holds
instead of posting it again. State lives in a throwaway SQLite file unless
--database-url names another database.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

# The demo's QuickBooks sandbox allows this many requests a minute (QBO itself: 500).
DEMO_QBO_REQUESTS_PER_MINUTE = 100_000
LATE_PAYMENT_DELAY = timedelta(hours=6)
CREATED_KEYS = ("invoices", "sales_receipts", "updated", "payments", "refund_receipts", "credit_memos",
                "customers_created", "items_created")

# One row per line of the summary table: (label, count key).
TABLE_ROWS = (
    ("orders looked at", "orders"),
    ("invoices created", "invoices"),
    ("sales receipts created", "sales_receipts"),
    ("documents updated", "updated"),
    ("payments created", "payments"),
    ("refund receipts created", "refund_receipts"),
    ("credit memos created", "credit_memos"),
    ("duplicates avoided", "duplicates_avoided"),
    ("customers matched by email", "customers_by_email"),
    ("customers matched by name", "customers_by_name"),
    ("customers matched by company+city", "customers_by_company_city"),
    ("customers already linked", "customers_by_linked"),
    ("customers created", "customers_created"),
    ("items created", "items_created"),
    ("lines on the unknown item", "unknown_items"),
    ("orders held", "held"),
    ("orders skipped", "skipped"),
    ("orders failed", "errors"),
)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo", help="sync a generated Infusionsoft account into a sandbox QuickBooks company (no account needed)",
        description="Start both built-in sandboxes, seed a realistic Infusionsoft account, and sync it into "
        "QuickBooks four times: everything, a late manual payment, once more to show nothing is "
        "created twice, and after a simulated crash to show lost records are adopted, not posted again. "
        "Exits 0 when all of that holds.",
    )
    parser.add_argument("--orders", type=int, default=240, help="generated orders (default 240)")
    parser.add_argument("--seed", type=int, default=7, help="random seed for the generated account (default 7)")
    parser.add_argument("--database-url", help="state database (default: SQLite in a temporary directory)")
    parser.add_argument("--json-summary", metavar="PATH",
                        help="also write the runs' summaries and what the QuickBooks sandbox holds to PATH")
    parser.set_defaults(handler=run)


@dataclass
class DemoCases:
    """The hand-made orders (order ids) and what they should show."""

    by_email: int = 0
    by_name: int = 0
    by_company_city: int = 0
    ambiguous: int = 0
    no_sku: int = 0
    clash: int = 0
    late_invoice_id: int = 0
    pre_existing: dict = field(default_factory=dict)


def run(args) -> int:
    from syncsvc.commands.sandbox import start_sandboxes

    started = time.monotonic()
    if not args.verbose:
        logging.getLogger().setLevel(logging.WARNING)  # a story, not a log; -v brings the log back
    infusionsoft, quickbooks, realm = start_sandboxes()
    try:
        with tempfile.TemporaryDirectory(prefix="syncsvc-demo-") as scratch:
            database_url = args.database_url or f"sqlite:///{Path(scratch) / 'state.sqlite3'}"
            report = Demo(infusionsoft, quickbooks, realm, database_url).play(args.orders, args.seed)
    finally:
        infusionsoft.stop()
        quickbooks.stop()
    report["seconds"] = round(time.monotonic() - started, 1)
    print(f"\nDone in {report['seconds']} s.")
    if args.json_summary:
        Path(args.json_summary).write_text(json.dumps(report, indent=2, sort_keys=True, default=str))
    return 0 if report["ok"] else 1


class Demo:
    def __init__(self, infusionsoft, quickbooks, realm: str, database_url: str) -> None:
        self.keap, self.qbo, self.realm, self.database_url = infusionsoft, quickbooks, realm, database_url
        zone = infusionsoft.store.zone
        # The account's clock: this morning at 9:30, moved forward by hand for the late payment.
        self.now = datetime.now(zone).replace(hour=9, minute=30, second=0, microsecond=0)
        infusionsoft.set_clock(lambda: self.now)
        self.settings = self._settings()

    # --- setting up ---------------------------------------------------------------

    def _settings(self):
        from syncsvc.config import ENV, settings_from_dict

        # The sandboxes' own throwaway credentials; whatever real ones the shell holds stay unused.
        os.environ[ENV["infusionsoft_api_key"]] = self.keap.SERVICE_KEY
        os.environ[ENV["quickbooks_client_id"]] = self.qbo.CLIENT_ID
        os.environ[ENV["quickbooks_client_secret"]] = self.qbo.CLIENT_SECRET
        os.environ[ENV["secret_key"]] = secrets.token_urlsafe(24)
        return settings_from_dict({
            # One connection per demo company, so a reused --database-url never mixes two demos.
            "connection": {"name": f"demo-{self.realm}"},
            "state": {"database_url": self.database_url},
            "infusionsoft": {"api": "rest", "rest_base_url": self.keap.rest_url, "base_url": self.keap.xmlrpc_url,
                             "requests_per_second": 1000, "requests_per_minute": 60000},
            "quickbooks": {"api_base_url": self.qbo.api_base_url, "discovery_url": self.qbo.discovery_url,
                           "realm_id": self.realm, "requests_per_minute": DEMO_QBO_REQUESTS_PER_MINUTE,
                           "batch_requests_per_minute": DEMO_QBO_REQUESTS_PER_MINUTE},
        }, where="<demo>")

    def _connect(self) -> None:
        """What `syncsvc db upgrade` and `syncsvc connect quickbooks` do: schema, then encrypted tokens."""
        from syncsvc.store.db import upgrade
        from syncsvc.store.tokens import SqlTokenStore, TokenCipher
        from syncsvc.tokens import token_set_from_response

        upgrade(self.database_url)
        store = SqlTokenStore(self.database_url, connection=self.settings.connection.name, provider="quickbooks",
                              account=self.realm, cipher=TokenCipher.from_settings(self.settings))
        store.save(token_set_from_response(self.qbo.issue_tokens(self.realm)))

    def _tick(self, minutes: int = 1) -> None:
        self.now += timedelta(minutes=minutes)

    def seed(self, orders: int, seed: int) -> tuple[object, int, DemoCases]:
        from syncsvc.sandbox.infusionsoft.generator import generate_account

        self.qbo.configure(self.realm, requests_per_minute=DEMO_QBO_REQUESTS_PER_MINUTE,
                           batch_requests_per_minute=DEMO_QBO_REQUESTS_PER_MINUTE)
        # A tidy shop's share of lines without SKU or product; "stress" would put ~40% on the unknown item.
        generated = generate_account(self.keap.store, orders=orders, seed=seed, mix="typical")
        generated_orders = len(self.keap.store.rows("Invoice"))  # with recurring billings, without deletions
        cases = self._hand_made_cases()
        return generated, generated_orders, cases

    def _hand_made_cases(self) -> DemoCases:
        from syncsvc.quickbooks.client import open_company
        from syncsvc.sandbox.infusionsoft import billing

        store, cases = self.keap.store, DemoCases()
        qb = open_company(self.settings).client()
        # Customers the bookkeeper already keeps in QuickBooks.
        harbour = _qbo_customer(qb, "Harbour Books (wholesale)", email="orders@harbourbooks.example")
        volkov = _qbo_customer(qb, "Dmitri Volkov", given="Dmitri", family="Volkov")
        green = _qbo_customer(qb, "Green Leaf Landscaping", company="Green Leaf Landscaping", city="Portland")
        _qbo_customer(qb, "Sam Lee (north store)", given="Sam", family="Lee")
        _qbo_customer(qb, "Sam Lee (south store)", given="Sam", family="Lee")
        guide = store.add_product(ProductName="Field Guide", Sku="FG-001", ProductPrice="24.95")
        wrap = store.add_product(ProductName="Gift Wrapping", Sku="", ProductPrice="4.50")

        def order(contact: int, title: str, *lines: tuple[int, str, int, str]) -> tuple[int, int]:
            self._tick()
            invoice_id = billing.create_order(store, contact, title)
            for product_id, price, qty, name in lines:
                billing.add_item(store, invoice_id, product_id, 4, price, qty, name)
            return store.get("Invoice", invoice_id)["JobId"], invoice_id

        siobhan = store.add_contact(FirstName="Siobhán", LastName="O'Brien", Email=" ORDERS@harbourbooks.example ",
                                    Company="Harbour Books", City="Boston")
        cases.by_email, cases.late_invoice_id = order(siobhan, "Phone order", (guide, "24.95", 4, "Field Guide"))
        dmitri = store.add_contact(FirstName="Dmitri", LastName="Volkov", Email="dmitri@new-address.example")
        cases.by_name, invoice = order(dmitri, "Web order", (guide, "24.95", 1, "Field Guide"))
        billing.charge_invoice(store, invoice, "Web order", store.add_credit_card(dmitri), 1, False)
        leaf = store.add_contact(FirstName="", LastName="", Email="", Company="Green Leaf Landscaping", City="Portland")
        cases.by_company_city, invoice = order(leaf, "Order form", (guide, "24.95", 2, "Field Guide"))
        billing.charge_invoice(store, invoice, "Order form", store.add_credit_card(leaf), 1, False)
        sam = store.add_contact(FirstName="Sam", LastName="Lee", Email="")
        cases.ambiguous, _ = order(sam, "Phone order", (guide, "24.95", 1, "Field Guide"))
        ana = store.add_contact(FirstName="Ana", LastName="Costa", Email="ana.costa@example.com")
        cases.no_sku, invoice = order(ana, "Web order", (guide, "24.95", 1, "Field Guide"),
                                      (wrap, "4.50", 1, "Gift Wrapping"), (0, "12.00", 1, ""))
        billing.charge_invoice(store, invoice, "Web order", store.add_credit_card(ana), 1, False)
        raj = store.add_contact(FirstName="Raj", LastName="Patel", Email="raj.patel@example.com")
        cases.clash, _ = order(raj, "Web order", (guide, "24.95", 3, "Field Guide"))
        # An invoice typed into QuickBooks by hand that happens to carry that order's number.
        typed = _qbo_invoice(qb, green, str(cases.clash), Decimal("310.00"))
        cases.pre_existing = {"customers": 5, "invoices": 1, "invoice_total": str(typed.TotalAmt),
                              "clash_invoice_id": str(typed.Id), "matched": {"email": harbour, "name": volkov,
                                                                            "company_city": green}}
        return cases

    # --- the story -----------------------------------------------------------------

    def play(self, orders: int, seed: int) -> dict:
        print(f"Infusionsoft sandbox: {self.keap.rest_url} (REST v2)")
        print(f"QuickBooks sandbox:   {self.qbo.api_base_url} (company {self.realm})")
        print(f"State database:       {_safe_url(self.database_url)}")
        print(f"(The demo lets the QuickBooks sandbox take {DEMO_QBO_REQUESTS_PER_MINUTE:,} requests a minute; "
              "real QBO allows 500, which would make this take minutes instead of seconds.)\n")
        self._connect()
        generated, generated_orders, cases = self.seed(orders, seed)
        _story_intro(generated, generated_orders, cases)

        runs = []
        print("\n1. First sync: everything Infusionsoft holds")
        runs.append(self._cycle())
        _print_summary_table(runs, ["first sync"])
        _print_not_posted(runs[0])

        print(f"\n2. {int(LATE_PAYMENT_DELAY.total_seconds() // 3600)} hours later: a check for the Harbour Books "
              f"order {cases.by_email} is entered by hand")
        late = self._late_payment(cases)
        runs.append(self._cycle())
        arrived = self._payment_in_quickbooks(cases.by_email)
        late.update(arrived)
        print(f"   order {late['order']}: {late['amount']} by {late['pay_type']}, entered at {late['entered_at']}; "
              f"Infusionsoft stamps its PayDate {late['pay_date']}")
        print(f"   arrived in QuickBooks as payment {late['qbo_payment_id']}, PaymentRefNum "
              f"{late['payment_ref']}, {late['qbo_amount']}; invoice balance now {late['invoice_balance']}")

        print("\n3. The same sync once more")
        runs.append(self._cycle())
        created_again = {k: runs[2].counts.get(k, 0) for k in CREATED_KEYS}
        print("   nothing created twice" if not any(created_again.values()) else f"   CREATED AGAIN: {created_again}")

        print("\n4. A crash right after QuickBooks accepted three orders and their payments, before syncsvc "
              "recorded them")
        lost = self._lose_records(3, cases)
        orders_arg = ",".join(str(order_id) for order_id in lost["orders"])
        print(f"   (the state database forgets orders {orders_arg}: {lost['documents']} invoices and "
              f"{lost['payments']} payments QuickBooks holds)")
        runs.append(self._resync(lost["orders"]))
        after_crash = runs[3].counts
        created_after_crash = {k: after_crash.get(k, 0) for k in CREATED_KEYS if k != "updated"}
        adopted = after_crash.get("duplicates_avoided", 0)
        recovered = not any(created_after_crash.values()) and adopted == lost["documents"] + lost["payments"]
        print(f"   `syncsvc sync --orders {orders_arg}` found all {adopted} in QuickBooks and adopted them; "
              f"nothing posted twice" if recovered else f"   POSTED AGAIN: {created_after_crash}, adopted {adopted}")

        holdings = self.holdings()
        nothing_twice = not any(created_again.values()) and recovered and _no_duplicate_numbers(holdings)
        print("\nWhat each sync did:")
        _print_summary_table(runs, ["first sync", "late payment", "once more", "after a crash"])
        reconciled = self.reconcile(holdings, cases)
        _print_holdings(holdings, cases, reconciled)
        ok = (nothing_twice and all(r.ok for r in runs) and late["qbo_payment_id"] is not None
              and reconciled["match"] and runs[1].counts.get("payments", 0) >= 1)
        return {
            "ok": ok,
            "orders_generated": generated_orders,
            "runs": [r.as_dict() for r in runs],
            "late_payment": late,
            "lost_records": lost,
            "nothing_created_twice": nothing_twice,
            "cases": {k: v for k, v in cases.__dict__.items()},
            "quickbooks": holdings,
            "reconciliation": reconciled,
        }

    def _cycle(self):
        from syncsvc.service.progress import progress_for
        from syncsvc.sync.cycle import run_cycle
        from syncsvc.sync.wiring import open_parts

        progress = progress_for(sys.stdout, label="orders")
        with open_parts(self.settings, upgrade_schema=False) as parts:
            try:
                return run_cycle(parts.source, parts.qb, parts.state, self.settings.sync, progress=progress.update)
            finally:
                progress.close()

    def _resync(self, order_ids: list[int]):
        from syncsvc.sync.orders import sync_orders
        from syncsvc.sync.wiring import open_parts

        with open_parts(self.settings, upgrade_schema=False) as parts:
            return sync_orders(parts.source, parts.qb, parts.state, self.settings.sync, order_ids)

    def _lose_records(self, how_many: int, cases: DemoCases) -> dict:
        """Delete the state database's records of a few paid orders, as a crash between QuickBooks'
        answer and syncsvc's commit would leave them (or a restore of an older backup)."""
        from sqlalchemy import delete, select

        from syncsvc.store.sync_models import SyncedDocument, SyncedPayment
        from syncsvc.sync.wiring import state_store

        hand_made = {v for v in cases.__dict__.values() if isinstance(v, int)}
        state = state_store(self.settings)
        try:
            with state.unit() as uow:
                session, connection = uow.session, state.connection
                paid = session.scalars(select(SyncedPayment.order_id).where(SyncedPayment.connection == connection)
                                       .order_by(SyncedPayment.order_id).distinct())
                orders = [order_id for order_id in paid if order_id not in hand_made][:how_many]
                payments = session.execute(delete(SyncedPayment).where(
                    SyncedPayment.connection == connection, SyncedPayment.order_id.in_(orders))).rowcount
                documents = session.execute(delete(SyncedDocument).where(
                    SyncedDocument.connection == connection, SyncedDocument.order_id.in_(orders))).rowcount
        finally:
            state.engine.dispose()
        return {"orders": orders, "documents": documents, "payments": payments}

    def _late_payment(self, cases: DemoCases) -> dict:
        from syncsvc.sandbox.infusionsoft import billing

        store = self.keap.store
        self.now += LATE_PAYMENT_DELAY
        entered = store.now()
        due = store.get("Invoice", cases.late_invoice_id)["TotalDue"]
        payment_id = billing.add_manual_payment(store, cases.late_invoice_id, due, entered, "Check",
                                                "Check #1047, entered by hand")
        payment = store.get("Payment", payment_id)
        return {"order": cases.by_email, "infusionsoft_payment_id": payment_id, "amount": str(payment["PayAmt"]),
                "pay_type": payment["PayType"], "pay_date": payment["PayDate"].strftime("%Y-%m-%d %I:%M %p"),
                "entered_at": entered.strftime("%I:%M %p")}

    def _payment_in_quickbooks(self, order_id: int) -> dict:
        invoices = [i for i in self.qbo.entities(self.realm, "Invoice") if i.get("DocNumber") == str(order_id)]
        found = {"qbo_payment_id": None, "payment_ref": None, "qbo_amount": None, "invoice_balance": None}
        if len(invoices) != 1:
            return found
        invoice = invoices[0]
        found["invoice_balance"] = str(invoice["Balance"])
        for payment in self.qbo.entities(self.realm, "Payment"):
            if any(t.get("TxnId") == invoice["Id"] for line in payment["Line"] for t in line.get("LinkedTxn", [])):
                found.update(qbo_payment_id=payment["Id"], payment_ref=payment.get("PaymentRefNum"),
                             qbo_amount=str(payment["TotalAmt"]))
        return found

    # --- what QuickBooks holds ----------------------------------------------------------

    def holdings(self) -> dict:
        """The QuickBooks sandbox's own records (not what the sync says it did)."""
        held = {"counts": self.qbo.counts(self.realm)}
        for entity, key in (("Invoice", "invoices"), ("SalesReceipt", "sales_receipts"), ("Payment", "payments"),
                            ("RefundReceipt", "refund_receipts"), ("Customer", "customers")):
            records = self.qbo.entities(self.realm, entity)
            held[key] = len(records)
            if entity != "Customer":
                held[f"{key}_total"] = str(sum((Decimal(r["TotalAmt"]) for r in records), Decimal("0.00")))
                number = "PaymentRefNum" if entity == "Payment" else "DocNumber"
                held[f"{key}_numbers"] = sorted(str(r.get(number)) for r in records)
        return held

    def reconcile(self, holdings: dict, cases: DemoCases) -> dict:
        """Infusionsoft totals of the orders QuickBooks holds, against QuickBooks' own totals."""
        store = self.keap.store
        posted = {int(n) for n in holdings["invoices_numbers"] if n.isdigit()}
        posted.discard(cases.clash)  # that number belongs to the hand-typed invoice
        infusionsoft = sum((row["InvoiceTotal"] for row in store.rows("Invoice") if row["JobId"] in posted),
                           Decimal("0"))
        quickbooks = Decimal(holdings["invoices_total"]) - Decimal(cases.pre_existing["invoice_total"])
        # Money returned: Keap's refund payments on those orders against QuickBooks' refund receipts.
        order_of_invoice = {row["Id"]: row["JobId"] for row in store.rows("Invoice")}
        refunded = sum((-row["PayAmt"] for row in store.rows("Payment")
                        if row["PayType"] == "Refund" and order_of_invoice.get(row["InvoiceId"]) in posted),
                       Decimal("0"))
        refunds_booked = Decimal(holdings["refund_receipts_total"])
        return {"orders_posted": len(posted), "infusionsoft_total": str(infusionsoft),
                "quickbooks_total": str(quickbooks), "infusionsoft_refunds": str(refunded),
                "quickbooks_refunds": str(refunds_booked),
                "match": infusionsoft == quickbooks and refunded == refunds_booked}


# --- QuickBooks records typed in by hand -------------------------------------------------


def _qbo_customer(qb, display, given=None, family=None, email=None, company=None, city=None) -> str:
    from quickbooks.objects.base import Address, EmailAddress
    from quickbooks.objects.customer import Customer

    from syncsvc.quickbooks import writers

    customer = Customer()
    customer.DisplayName, customer.GivenName, customer.FamilyName = display, given, family
    customer.CompanyName = company
    if email:
        customer.PrimaryEmailAddr = EmailAddress()
        customer.PrimaryEmailAddr.Address = email
    if city:
        customer.BillAddr = Address()
        customer.BillAddr.City = city
    return str(writers.create(qb, customer).Id)


def _qbo_invoice(qb, customer_id: str, doc_number: str, amount: Decimal):
    from quickbooks.objects.base import Ref
    from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
    from quickbooks.objects.invoice import Invoice

    from syncsvc.quickbooks import writers

    invoice = Invoice()
    invoice.DocNumber = doc_number
    invoice.CustomerRef = Ref()
    invoice.CustomerRef.value = customer_id
    line = SalesItemLine()
    line.Amount = amount
    line.Description = "Spring cleanup (typed in QuickBooks)"
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = Ref()
    line.SalesItemLineDetail.ItemRef.value = "1"  # "Services", in every new company
    invoice.Line = [line]
    return writers.create(qb, invoice)


# --- printing ------------------------------------------------------------------------


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _story_intro(generated, orders: int, cases: DemoCases) -> None:
    print(f"The Infusionsoft account: {orders} orders over 60 days ({generated.card_payments} card "
          f"payments, {generated.manual_payments} manual ones stamped 12:00 AM, {generated.declined_charges} declined "
          f"charges, {generated.split_payments} split and {generated.partial_payments} partial payments, "
          f"{generated.pay_plans} payment plans, {generated.refunds} refunds, {generated.subscriptions} "
          f"subscriptions, {generated.deleted_invoices} orders deleted after entry), plus:")
    print(f"   order {cases.by_email}: Harbour Books, whose email QuickBooks already knows (in other capitals)")
    print(f"   order {cases.by_name}: Dmitri Volkov, a new email but a name QuickBooks already has")
    print(f"   order {cases.by_company_city}: no name, only a company and city QuickBooks already has")
    print(f"   order {cases.ambiguous}: Sam Lee, who matches two QuickBooks customers")
    print(f"   order {cases.no_sku}: a product without SKU and a line with no product or name at all")
    print(f"   order {cases.clash}: its number is already on an invoice typed into QuickBooks by hand")


def _print_summary_table(runs, headers: list[str]) -> None:
    rows = [[label, *(r.counts.get(key, 0) for r in runs)] for label, key in TABLE_ROWS]
    label_width = max(len(r[0]) for r in rows)
    widths = [max(len(h), 6) for h in headers]
    print("   " + " " * label_width + "  " + "  ".join(h.rjust(w) for h, w in zip(headers, widths)))
    for row in rows:
        cells = "  ".join(str(c).rjust(w) for c, w in zip(row[1:], widths))
        print(f"   {row[0].ljust(label_width)}  {cells}")


def _print_not_posted(summary) -> None:
    for title, reasons in (("Held for a person to decide", summary.held), ("Failed", summary.failed)):
        if reasons:
            print(f"   {title}:")
            for order_id, reason in sorted(reasons.items()):
                prefix = f"order {order_id}: "
                print(f"     {prefix}{reason.removeprefix(prefix)}")


def _no_duplicate_numbers(holdings: dict) -> bool:
    return all(len(set(holdings[k])) == len(holdings[k])
               for k in ("invoices_numbers", "sales_receipts_numbers", "payments_numbers"))


def _print_holdings(holdings: dict, cases: DemoCases, reconciled: dict) -> None:
    print("\nQuickBooks now holds (read from the sandbox itself):")
    print(f"   invoices: {holdings['invoices']} totalling {holdings['invoices_total']} "
          f"(1 of them, {cases.pre_existing['invoice_total']}, typed in by hand before the sync)")
    print(f"   sales receipts: {holdings['sales_receipts']} totalling {holdings['sales_receipts_total']}")
    print(f"   payments: {holdings['payments']} totalling {holdings['payments_total']}")
    print(f"   refund receipts: {holdings['refund_receipts']} totalling {holdings['refund_receipts_total']}")
    print(f"   customers: {holdings['customers']}")
    verdict = "match to the cent" if reconciled["match"] else "DO NOT MATCH"
    print(f"   the {reconciled['orders_posted']} synced orders total {reconciled['infusionsoft_total']} in "
          f"Infusionsoft and {reconciled['quickbooks_total']} in QuickBooks, and their refunds "
          f"{reconciled['infusionsoft_refunds']} and {reconciled['quickbooks_refunds']}: {verdict}")
