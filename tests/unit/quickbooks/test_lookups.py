"""Query values are escaped so QBO reads back exactly the string we meant."""

from hypothesis import given, strategies as st
from quickbooks.objects.customer import Customer
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
import pytest

from syncsvc.quickbooks.lookups import equals, quote, select


def parse_literal(text: str) -> tuple[str, str]:
    """Read one QBO string literal from the start of `text` (backslash escapes the next char); return (value, rest)."""
    assert text[0] == "'"
    value, i = [], 1
    while text[i] != "'":
        if text[i] == "\\":
            i += 1
        value.append(text[i])
        i += 1
    return "".join(value), text[i + 1:]


def test_apostrophe_is_escaped():
    assert quote("O'Brien") == r"'O\'Brien'"


def test_backslash_is_escaped_before_the_quote():
    assert quote("a\\b") == r"'a\\b'"
    # python-quickbooks' own escaping turns `a\'` into `a\\'`, which ends the literal early.
    assert quote("a\\") == r"'a\\'"
    assert parse_literal(quote("x\\' OR Name = 'y"))  == ("x\\' OR Name = 'y", "")


@given(st.text(min_size=0, max_size=40))
def test_any_value_reads_back_unchanged_and_ends_the_literal(value):
    parsed, rest = parse_literal(quote(value) + " AND Active = true")
    assert parsed == value
    assert rest == " AND Active = true"


def test_equals_rejects_field_names_that_could_inject():
    assert equals("BillAddr.City", "Boston") == "BillAddr.City = 'Boston'"
    assert equals("Active", True) == "Active = true"
    with pytest.raises(ValueError):
        equals("Name = 'x' OR Name", "y")


def test_select_pages_and_asks_items_for_sku():
    assert select(Customer, [equals("DisplayName", "O'Brien")], start=1001, page_size=1000) == (
        "SELECT * FROM Customer WHERE DisplayName = 'O\\'Brien' ORDERBY Id STARTPOSITION 1001 MAXRESULTS 1000"
    )
    assert select(Item).startswith("SELECT *, Sku FROM Item ")
    assert " WHERE " not in select(Invoice)
