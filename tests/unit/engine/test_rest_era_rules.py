"""Rules the REST v2 source brings into play: QuickBooks-born orders, stated currencies, and a
payment already posted under another reference (a connection moved from XML-RPC to REST v2)."""

from dataclasses import replace

from syncsvc.engine.actions import CreatePayment, Skip
from syncsvc.engine.plan import PostedDocument, plan_order
from syncsvc.engine.settings import EngineSettings

from .builders import bundle, invoice, order, payment, state

DEFAULTS = EngineSettings()


def test_an_order_made_by_keaps_quickbooks_integration_is_never_posted_back():
    born_in_qbo = bundle(order=replace(order(), source_type="QUICKBOOKS"))
    [skip] = plan_order(born_in_qbo, state(), DEFAULTS).actions
    assert isinstance(skip, Skip)
    assert "order 1234" in skip.reason and "QuickBooks integration" in skip.reason and "never posted back" in skip.reason


def test_an_order_stated_in_another_currency_is_held_naming_the_setting():
    in_euros = bundle(invoice=replace(invoice(), currency="EUR"))
    plan = plan_order(in_euros, state(), DEFAULTS)
    [hold] = plan.holds
    assert not plan.writes
    assert "EUR" in hold.reason and "USD" in hold.reason and "[sync].currency" in hold.reason


def test_an_order_in_the_books_currency_posts():
    in_dollars = bundle(invoice=replace(invoice(), currency="USD"))
    assert [type(a).__name__ for a in plan_order(in_dollars, state(), DEFAULTS).actions] == ["CreateInvoice", "CreatePayment"]


def test_a_payment_recorded_as_posted_is_not_posted_again_when_its_reference_changes():
    # Posted through XML-RPC as TXN-AAA; REST v2 now names the same payment 1 differently.
    posted = state(document=PostedDocument("900", "Invoice", "hash"), payment_refs=frozenset({"TXN-AAA"}),
                   posted_payment_refs={1: "TXN-AAA"})
    renamed = bundle(payments=(payment(1, "100.00", ref_num="ch_3PqRsT"),))
    plan = plan_order(renamed, posted, DEFAULTS)
    assert not [a for a in plan.actions if isinstance(a, CreatePayment)]
    assert any("payment 1" in w and "TXN-AAA" in w and "ch_3PqRsT" in w for w in plan.warnings)


def test_a_new_payment_beside_a_recorded_one_still_posts():
    posted = state(document=PostedDocument("900", "Invoice", "hash"), payment_refs=frozenset({"TXN-AAA"}),
                   posted_payment_refs={1: "TXN-AAA"})
    two = bundle(invoice=invoice(total="100.00"),
                 payments=(payment(1, "40.00", ref_num="TXN-AAA"), payment(2, "60.00", ref_num="TXN-BBB")))
    [post] = [a for a in plan_order(two, posted, DEFAULTS).actions if isinstance(a, CreatePayment)]
    assert post.payment.payment_id == 2 and not plan_order(two, posted, DEFAULTS).warnings
