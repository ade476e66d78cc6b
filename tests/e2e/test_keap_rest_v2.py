"""Keap REST v2 against XML-RPC: one account books the same through either API, and a live
connection moves from XML-RPC to REST v2 without posting anything twice or missing anything."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from decimal import Decimal

from syncsvc.cli import main
from syncsvc.engine.cursors import READ_THROUGH_API
from syncsvc.sandbox.infusionsoft import billing
from syncsvc.sandbox.infusionsoft.generator import generate_account

from .books import books, order_issues
from .conftest import make_world
from .shop import Shop

FAST_QBO = 100000  # limits are covered elsewhere; here QBO's 500 a minute would only make the test wait


def _world(keap, qbo, database_url, monkeypatch, api):
    world = make_world(keap, qbo, database_url, monkeypatch, api=api)
    qbo.configure(world.realm, requests_per_minute=FAST_QBO)
    world.quickbooks_section["requests_per_minute"] = FAST_QBO
    return world


def _open_issues(world) -> dict:
    with world.state().unit() as uow:
        return {(i.subject, i.subject_id): (i.kind, i.reason) for i in uow.open_issues()}


def test_one_account_books_the_same_through_rest_v2_as_through_xmlrpc(keap, qbo, tmp_path, monkeypatch):
    account = generate_account(keap.store, orders=520, seed=11, mix="stress")
    # every quirk the generator has is in this account
    assert account.item_types == set(range(15))
    assert min(account.declined_charges, account.refunds, account.manual_payments, account.split_payments,
               account.partial_payments, account.pay_plans, account.deleted_invoices, account.subscriptions) > 0

    worlds = {api: _world(keap, qbo, f"sqlite:///{tmp_path / f'{api}.sqlite3'}", monkeypatch, api)
              for api in ("xmlrpc", "rest")}
    for world in worlds.values():
        world.cycle()
    by_xmlrpc, by_rest = books(worlds["xmlrpc"]), books(worlds["rest"])

    assert len(by_xmlrpc["documents"]) >= 450 and len(by_xmlrpc["payments"]) >= 450
    assert sorted(by_rest["documents"]) == sorted(by_xmlrpc["documents"])
    for number, document in by_xmlrpc["documents"].items():
        assert by_rest["documents"][number] == document, f"DocNumber {number} differs"
    assert sorted(by_rest["payments"]) == sorted(by_xmlrpc["payments"])
    for ref, payment in by_xmlrpc["payments"].items():
        assert by_rest["payments"][ref] == payment, f"PaymentRefNum {ref} differs"
    # the same orders held and skipped, for the same reasons (refunds reported, declines not booked, ...)
    issues = _open_issues(worlds["rest"])
    assert issues == _open_issues(worlds["xmlrpc"])
    # refunds booked, the same way through both APIs
    assert any(document["kind"] == "RefundReceipt" for document in by_rest["documents"].values())


def test_a_live_connection_switches_from_xmlrpc_to_rest_v2_posting_nothing_twice_and_missing_nothing(
        keap, qbo, database_url, monkeypatch, caplog):
    store, shop = keap.store, Shop(keap.store)
    jane = shop.contact()
    bob = shop.contact("Bob", "Jones", "bob@example.com")
    widget = shop.product()
    paid_by_card, paid_invoice = shop.order(jane, (widget, "40.00", 2))
    shop.charge(paid_invoice, jane)
    open_order, open_invoice = shop.order(bob, (widget, "40.00", 1))
    paid_by_check, check_invoice = shop.order(bob, (widget, "40.00", 3))
    shop.pay_manually(check_invoice, Decimal("120.00"), store.now())

    world = _world(keap, qbo, database_url, monkeypatch, "xmlrpc")
    world.cycle()
    assert len(world.entities("Invoice")) == 3 and len(world.entities("Payment")) == 2

    # While the operator edits the config, the shop goes on selling.
    shop.charge(open_invoice, bob)  # a card payment on an order already in QuickBooks
    midnight_order, midnight_invoice = shop.order(jane, (widget, "40.00", 1))
    shop.pay_manually(midnight_invoice, Decimal("40.00"), store.now())  # stamped 12:00 AM today
    backdated_order, backdated_invoice = shop.order(bob, (widget, "40.00", 1))
    shop.pay_manually(backdated_invoice, Decimal("40.00"), store.now() - timedelta(days=4))
    billing.add_item(store, paid_invoice, widget, 4, Decimal("40.00"), 1, "Widget")  # an edit of a posted order
    shop.charge(paid_invoice, jane)

    world.api = "rest"
    world.cycle()
    world.cycle()
    assert len([r for r in caplog.records if "now reads Keap through REST v2" in r.getMessage()]) == 1

    every_order = {paid_by_card, open_order, paid_by_check, midnight_order, backdated_order}
    invoices = world.entities("Invoice")
    assert Counter(i["DocNumber"] for i in invoices) == Counter(str(order) for order in every_order)
    totals = {int(i["DocNumber"]): Decimal(str(i["TotalAmt"])) for i in invoices}
    assert totals == {row["JobId"]: row["InvoiceTotal"] for row in store.rows("Invoice")}
    keap_payments = [p for p in store.rows("Payment") if p["PayAmt"] > 0]
    refs = Counter(p["PaymentRefNum"] for p in world.entities("Payment"))
    assert len(refs) == len(keap_payments) == 6 and max(refs.values()) == 1
    assert all(Decimal(str(i["Balance"])) == 0 for i in invoices)
    with world.state().unit() as uow:
        assert uow.watermark(READ_THROUGH_API) == "rest"


def test_after_keaps_xmlrpc_switch_off_an_xmlrpc_sync_says_which_setting_to_change_and_rest_goes_on(
        keap, qbo, tmp_path, monkeypatch, capsys):
    shop = Shop(keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(), "40.00", 1))
    shop.charge(invoice_id, jane)
    keap.set_xmlrpc_off_from(keap.store.aware_now() - timedelta(minutes=1))
    on_xmlrpc = _world(keap, qbo, f"sqlite:///{tmp_path / 'xmlrpc.sqlite3'}", monkeypatch, "xmlrpc")
    on_rest = _world(keap, qbo, f"sqlite:///{tmp_path / 'rest.sqlite3'}", monkeypatch, "rest")

    assert main(["-c", on_xmlrpc.config_file(tmp_path), "sync"]) == 1
    captured = capsys.readouterr()
    [line] = captured.err.strip().splitlines()
    assert "XML-RPC" in line and '[infusionsoft].api = "rest"' in line and "Traceback" not in captured.err
    assert on_xmlrpc.entities("Invoice") == []

    assert main(["-c", on_rest.config_file(tmp_path), "sync"]) == 0
    assert on_rest.invoice(str(order_id))["Balance"] == 0


def test_status_names_the_api_and_warns_a_connection_still_on_xmlrpc(keap, qbo, tmp_path, monkeypatch, capsys):
    on_xmlrpc = _world(keap, qbo, f"sqlite:///{tmp_path / 'xmlrpc.sqlite3'}", monkeypatch, "xmlrpc")
    assert main(["-c", on_xmlrpc.config_file(tmp_path), "status"]) == 0
    out = capsys.readouterr().out
    assert "Keap API: XML-RPC" in out and "2026-12-31" in out and 'api = "rest"' in out

    on_rest = _world(keap, qbo, f"sqlite:///{tmp_path / 'rest.sqlite3'}", monkeypatch, "rest")
    assert main(["-c", on_rest.config_file(tmp_path), "status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["api"] == "rest" and report["notices"] == []


def test_an_order_keaps_quickbooks_integration_created_is_skipped_with_the_reason(keap, qbo, tmp_path, monkeypatch):
    shop = Shop(keap.store)
    jane = shop.contact()
    widget = shop.product()
    from_qbo, qbo_invoice = shop.order(jane, (widget, "40.00", 1))
    ours, our_invoice = shop.order(jane, (widget, "40.00", 2))
    for invoice_id in (qbo_invoice, our_invoice):
        shop.charge(invoice_id, jane)
    keap.set_order_source_type(from_qbo, "QUICKBOOKS")
    world = _world(keap, qbo, f"sqlite:///{tmp_path / 'state.sqlite3'}", monkeypatch, "rest")

    summary = world.cycle()

    assert [i["DocNumber"] for i in world.entities("Invoice")] == [str(ours)]
    assert len(world.entities("Payment")) == 1
    kind, reason = order_issues(world)[from_qbo]
    assert kind == "skipped" and "QuickBooks integration" in reason and summary.counts["skipped"] == 1


def test_keap_api_drift_is_logged_once_and_the_sync_goes_on(keap, qbo, tmp_path, monkeypatch, caplog):
    """Keap adds an item type and a field the SDK's models do not know: the orders still post."""
    from syncsvc.sandbox.infusionsoft.rest import projection

    plain_item = projection.order_item

    def drifted_item(view, item):
        answer = plain_item(view, item)
        if answer.get("item_type") == "PRODUCT":
            answer["item_type"] = "GIFT_CARD"  # not in the SDK's enum
            answer["gift_message"] = "Happy birthday"  # not in the SDK's model
        return answer

    monkeypatch.setattr(projection, "order_item", drifted_item)
    shop = Shop(keap.store)
    jane = shop.contact()
    widget = shop.product()
    orders = [shop.order(jane, (widget, "40.00", 1)) for _ in range(3)]
    for _, invoice_id in orders:
        shop.charge(invoice_id, jane)
    world = _world(keap, qbo, f"sqlite:///{tmp_path / 'state.sqlite3'}", monkeypatch, "rest")

    summary = world.cycle()

    assert summary.ok and summary.counts["invoices"] == 3 and summary.counts["payments"] == 3
    for order_id, _ in orders:
        invoice = world.invoice(str(order_id))
        assert Decimal(str(invoice["TotalAmt"])) == Decimal("40.00") and invoice["Balance"] == 0
    drift = [r for r in caplog.records if "GIFT_CARD" in r.getMessage()]
    assert len(drift) == 1 and drift[0].levelname == "WARNING"


def _keap_rest_renames_card_references(monkeypatch):
    """Keap's REST v2 gives card payments other references than XML-RPC's RefNum (unconfirmed either way)."""
    from syncsvc.infusionsoft.rest import references

    plain = references.merchant_reference

    def renamed(payment, transactions):
        ref = plain(payment, transactions)
        return f"ch_{ref}" if ref else ref

    monkeypatch.setattr(references, "merchant_reference", renamed)


def _paid_orders(keap, count=3):
    shop = Shop(keap.store)
    jane = shop.contact()
    widget = shop.product()
    orders = []
    for n in range(count):
        order_id, invoice_id = shop.order(jane, (widget, "40.00", n + 1))
        shop.charge(invoice_id, jane) if n % 2 == 0 else shop.pay_manually(invoice_id, Decimal(40 * (n + 1)), keap.store.now())
        orders.append(order_id)
    return orders


def test_check_rest_compares_orders_through_both_apis_before_a_move(keap, qbo, tmp_path, monkeypatch, capsys):
    orders = _paid_orders(keap)
    world = _world(keap, qbo, f"sqlite:///{tmp_path / 'state.sqlite3'}", monkeypatch, "xmlrpc")
    ids = ",".join(map(str, orders + [99999]))

    assert main(["-c", world.config_file(tmp_path), "check-rest", "--orders", ids]) == 0
    out = capsys.readouterr().out
    assert out.count("the same through both APIs") == 3 and "order 99999: not found through either API" in out
    assert "reference IS-PAY-" in out  # a manual payment's reference is the same by construction

    _keap_rest_renames_card_references(monkeypatch)
    assert main(["-c", world.config_file(tmp_path), "check-rest", "--orders", ids]) == 1
    out = capsys.readouterr().out
    card_payment = keap.store.find("Payment", "InvoiceId", keap.store.find("Invoice", "JobId", orders[0])[0]["Id"])[0]
    ref_num = keap.store.find("CCharge", "PaymentId", card_payment["Id"])[0]["RefNum"]
    assert f"payment {card_payment['Id']}: DIFFERS: XML-RPC {ref_num}" in out and f"REST v2 ch_{ref_num}" in out
    assert "moving is still safe" in out
    assert world.entities("Invoice") == []  # it writes nothing


def test_a_move_to_rest_v2_posts_no_payment_twice_even_when_keap_renames_its_references(
        keap, qbo, tmp_path, monkeypatch):
    orders = _paid_orders(keap, count=4)
    world = _world(keap, qbo, f"sqlite:///{tmp_path / 'state.sqlite3'}", monkeypatch, "xmlrpc")
    world.cycle()
    posted = Counter(p["PaymentRefNum"] for p in world.entities("Payment"))
    assert len(posted) == 4

    _keap_rest_renames_card_references(monkeypatch)
    for order_id in orders:  # every order is edited after the move, so each is planned again
        invoice_id = keap.store.find("Invoice", "JobId", order_id)[0]["Id"]
        billing.add_item(keap.store, invoice_id, 0, 1, Decimal("5.00"), 1, "Shipping")
    world.api = "rest"
    summary = world.cycle()

    assert summary.ok and not summary.failed and not summary.held
    assert Counter(p["PaymentRefNum"] for p in world.entities("Payment")) == posted
    assert summary.counts["payments"] == 0 and summary.counts["updated"] == 4
    new_order = _paid_orders(keap, count=1)[0]
    world.cycle()
    [new_payment] = [p for p in world.entities("Payment") if p["PaymentRefNum"] not in posted]
    assert new_payment["PaymentRefNum"].startswith("ch_")
    assert world.invoice(str(new_order))["Balance"] == 0
