"""Issue 11: a payment's memo carries what reconciliation needs (pay type, card's last four, Keap's note)."""

from dataclasses import replace

from syncsvc.engine.payments import MEMO_MAX, distinct_reference, plan_payment, with_reference
from syncsvc.engine.settings import EngineSettings

from .builders import payment


def test_the_memo_names_the_pay_type_the_cards_last_four_and_the_note():
    card = replace(payment(11, "25.00", ref_num="8921731533"), card_last_four="4242", note="web checkout")
    memo = plan_payment(card, 1001, EngineSettings()).memo
    assert memo.startswith("Infusionsoft payment 11 on invoice 1236 (order 1001), merchant ref 8921731533")
    assert "pay type Credit Card" in memo and "card ending 4242" in memo and "note: web checkout" in memo


def test_a_check_number_in_the_note_reaches_the_memo_and_no_card_is_named():
    check = replace(payment(12, "40.00", pay_type="Check"), note="  Check #1042\n from Acme ")
    memo = plan_payment(check, 1001, EngineSettings()).memo
    assert "pay type Check" in memo and "note: Check #1042 from Acme" in memo and "card ending" not in memo


def test_a_long_note_is_cut_so_the_memo_fits_quickbooks_with_the_whole_reference():
    long_ref = "R" * 60
    long = replace(payment(13, "10.00", ref_num=long_ref), note="x" * 5000, card_last_four="1111")
    planned = plan_payment(long, 1001, EngineSettings())
    assert len(planned.memo) <= MEMO_MAX and planned.memo.endswith("...") and "card ending 1111" in planned.memo
    moved = with_reference(planned, distinct_reference(long_ref, 13))
    assert len(moved.memo) <= MEMO_MAX and long_ref in moved.memo


# -- the document memo kept around what a bookkeeper typed (issue 11, edits) ---------------------------

def test_our_memo_part_is_replaced_and_the_bookkeepers_text_around_it_stays():
    from syncsvc.engine.documents import MEMO_MAX, merge_memo

    old = "Infusionsoft order 12 / invoice 14; Payment plan, 2 installments: 2024-01-01 50.00, 2024-02-01 50.00"
    assert merge_memo(f"Called Jane\n{old}\nOK - AB", "Infusionsoft order 12 / invoice 14") == (
        "Called Jane\nInfusionsoft order 12 / invoice 14\nOK - AB")
    assert merge_memo("typed over ours", "Infusionsoft order 12 / invoice 14") == (
        "Infusionsoft order 12 / invoice 14\ntyped over ours")
    assert merge_memo(None, "Infusionsoft order 12 / invoice 14") == "Infusionsoft order 12 / invoice 14"
    long = merge_memo("x" * 5000 + " Infusionsoft order 12 / invoice 14", "Infusionsoft order 12 / invoice 14; payments A, B")
    assert len(long) == MEMO_MAX and long.endswith("Infusionsoft order 12 / invoice 14; payments A, B")
