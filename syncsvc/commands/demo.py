"""`syncsvc demo`: the README's main-job command.

Starts the built-in sandboxes on free loopback ports and walks an order
through Infusionsoft with the real client over real HTTP: create an order,
add items, charge a card, take a late manual payment, show a declined charge,
and print what is owed. (The full QuickBooks sync joins it with the engine.)
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from decimal import Decimal

from syncsvc.config import ENV, settings_from_dict
from syncsvc.infusionsoft.records import ItemType


def register(subparsers) -> None:
    parser = subparsers.add_parser("demo", help="run the walk-through on the built-in sandboxes (no account needed)")
    parser.set_defaults(handler=run)


def _print_table(headers: list[str], rows: list[list[object]]) -> None:
    cells = [[str(c) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  " + "  ".join(c.rjust(w) if c[:1].isdigit() or c[:1] == "-" else c.ljust(w) for c, w in zip(row, widths)))
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))


def walk_through_infusionsoft(infusionsoft) -> dict:
    """Drive the Infusionsoft sandbox through the client; return what a test can check."""
    from syncsvc.infusionsoft.client import InfusionsoftClient
    from syncsvc.sandbox.infusionsoft import APPROVE_CARD, DECLINE_CARD

    os.environ.setdefault(ENV["infusionsoft_api_key"], infusionsoft.SERVICE_KEY)
    settings = settings_from_dict({"infusionsoft": {"base_url": infusionsoft.xmlrpc_url}}, where="<demo>")
    store = infusionsoft.store
    contact_id = store.add_contact(FirstName="Siobhán", LastName="O'Brien", Email="siobhan@example.com",
                                   Company="Harbour Books", City="Boston")
    product_id = store.add_product(ProductName="Field Guide", Sku="FG-001", ProductPrice=24.95)
    good_card = store.add_credit_card(contact_id, APPROVE_CARD)
    bad_card = store.add_credit_card(contact_id, DECLINE_CARD)
    zone = None
    rows, result = [], {}
    with InfusionsoftClient.from_settings(settings) as client:
        zone = client.zone
        today = datetime.now(zone)
        invoices = client.invoices

        print("1. An order paid by card")
        paid = invoices.create_blank_order(contact_id, "Web order", today)
        invoices.add_order_item(paid, product_id, ItemType.PRODUCT, Decimal("24.95"), 2, "Field Guide")
        invoices.add_order_item(paid, 0, ItemType.SHIPPING, Decimal("5.00"), 1, "Shipping")
        invoices.add_order_item(paid, 0, ItemType.TAX, Decimal("3.12"), 1, "Sales tax")
        invoices.add_order_item(paid, 0, ItemType.SPECIAL, Decimal("-5.00"), 1, "Promo WELCOME5")
        owed_before = invoices.calculate_amount_owed(paid)
        charge = invoices.charge_invoice(paid, "Demo card charge", good_card, 1)
        print(f"   invoice {paid} (order {invoices.get_order_id(paid)}) owed {owed_before}; charge {charge.code}, merchant RefNum {charge.ref_num}")

        print("2. An order paid by check, entered in the afternoon but stamped 12:00 AM")
        manual = invoices.create_blank_order(contact_id, "Phone order", today)
        invoices.add_order_item(manual, product_id, ItemType.PRODUCT, Decimal("24.95"), 1, "Field Guide")
        invoices.add_order_item(manual, 0, ItemType.SHIPPING, Decimal("9.99"), 1, "Shipping")
        invoices.add_manual_payment(manual, Decimal("5.06"), today, "Check", "Personal check")
        print(f"   invoice {manual} owed {invoices.calculate_amount_owed(manual)} after a 5.06 check")

        print("3. A declined card: an invoice, and no payment")
        declined = invoices.create_blank_order(contact_id, "Declined order", today - timedelta(days=1))
        invoices.add_order_item(declined, product_id, ItemType.PRODUCT, Decimal("24.95"), 1, "Field Guide")
        refused = invoices.charge_invoice(declined, "Demo declined charge", bad_card, 1)
        print(f"   invoice {declined}: charge {refused.code} ({refused.message})")

        print("\nWhat the sync will read back (bulk reads through the OrderSource):")
        source = client.source
        found = {inv.id: inv for inv in source.invoices_for_orders([client.invoices.get_order_id(i) for i in (paid, manual, declined)])}
        payments = {p.invoice_id: p for p in source.payments_for_invoices(list(found))}
        for invoice_id in (paid, manual, declined):
            invoice = found[invoice_id]
            payment = payments.get(invoice_id)
            rows.append([
                invoice.order_id, invoice.id, f"{invoice.total:.2f}", f"{invoice.total_paid:.2f}", f"{invoice.total_due:.2f}",
                payment.pay_type if payment else "-",
                payment.pay_date.strftime("%Y-%m-%d %H:%M %Z") if payment and payment.pay_date else "-",
                (payment.ref_num or "(manual)") if payment else "-",
            ])
        result = {"invoices": found, "payments": payments, "charge": charge, "declined": refused}
    _print_table(["order", "invoice", "total", "paid", "due", "paid by", "pay date", "merchant ref"], rows)
    return result


def run(args) -> int:
    from syncsvc.commands.sandbox import start_sandboxes

    infusionsoft, quickbooks, realm_id = start_sandboxes()
    try:
        print(f"Infusionsoft sandbox at {infusionsoft.xmlrpc_url}")
        print(f"QuickBooks sandbox at {quickbooks.api_base_url} (company {realm_id})\n")
        walk_through_infusionsoft(infusionsoft)
    finally:
        infusionsoft.stop()
        quickbooks.stop()
    return 0
