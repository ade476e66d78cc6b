"""Issue 11: payment memos carry what reconciliation needs, read through both Keap APIs: the pay type, the
card's last four digits (REST v2 payment_method.card_info.last_four; XML-RPC CCharge.CCId -> CreditCard.Last4)
and Keap's payment note (a check number)."""

from __future__ import annotations

from datetime import datetime

from syncsvc.sandbox.infusionsoft import billing

from .shop import Shop


def test_card_and_check_payments_carry_last_four_pay_type_and_note(world):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    widget = shop.product(price="30.00")
    card_order, card_invoice = shop.order(jane, (widget, "30.00", 1))
    shop.charge(card_invoice, jane)
    check_order, check_invoice = shop.order(jane, (widget, "30.00", 1))
    billing.add_manual_payment(world.keap.store, check_invoice, "30.00", datetime(2026, 11, 2, 15, 0), "Check",
                               description="Check #1042")

    assert world.cycle().ok
    [card] = world.payments_for(world.invoice(str(card_order)))
    assert "card ending 1111" in card["PrivateNote"] and "pay type Credit Card" in card["PrivateNote"]
    assert card["PrivateNote"].startswith("Infusionsoft payment ")
    [check] = world.payments_for(world.invoice(str(check_order)))
    assert "pay type Check" in check["PrivateNote"] and "note: Check #1042" in check["PrivateNote"]
    assert "card ending" not in check["PrivateNote"]
