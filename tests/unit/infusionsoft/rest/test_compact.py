"""What the REST v2 source keeps for a whole run (every order's invoice id, every payment's transactions) is
kept compactly, and answers exactly as the dicts it replaces would, whatever the ids and references."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from syncsvc.infusionsoft.rest.compact import IntMap, TransactionsByPayment
from syncsvc.infusionsoft.rest.references import PaymentTransactions

def _answers_as_a_dict(compact, writes, lookups) -> dict:
    """Make the same writes to `compact` and a dict; every key written or looked up reads the same from
    both. The dict."""
    plain = {}
    for key, value in writes:
        compact[key] = value
        plain[key] = value
    for key in [k for k, _ in writes] + lookups:
        assert compact.get(key) == plain.get(key)
        assert (key in compact) == (key in plain)
    return plain


ints = st.one_of(st.integers(0, 50), st.integers(-(2**70), 2**70), st.sampled_from([2**63 - 1, -(2**63), 2**63]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(ints, ints), max_size=60), st.lists(ints, max_size=20))
def test_an_int_map_answers_as_a_dict(writes, lookups):
    IntMap.MERGE_AT, merge_at = 4, IntMap.MERGE_AT  # merge often: the arrays, not only the recent keys
    try:
        compact = IntMap()
        plain = _answers_as_a_dict(compact, writes, lookups)
        assert len(compact) == len(plain)
    finally:
        IntMap.MERGE_AT = merge_at


payment_ids = st.one_of(st.integers(0, 10**20).map(str), st.sampled_from(["007", "0", "12a", "", "٣", " 5"]))
found = st.builds(PaymentTransactions, st.one_of(st.none(), st.text(max_size=12)), st.booleans())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(payment_ids, found), max_size=40), st.lists(payment_ids, max_size=10))
def test_transactions_by_payment_answer_as_a_dict(writes, lookups):
    _answers_as_a_dict(TransactionsByPayment(), writes, lookups)


def test_a_reference_too_long_to_pack_is_kept_as_it_came():
    compact = TransactionsByPayment()
    long_reference = "x" * 70_000
    compact["42"] = PaymentTransactions(long_reference, True)
    compact["43"] = PaymentTransactions("ch_3", False)
    assert compact["42"] == PaymentTransactions(long_reference, True)
    assert compact["43"] == PaymentTransactions("ch_3", False)
