"""A read batch's customer index keeps only what its contacts' rules can tell apart (in a large company
a batch's family names match thousands of customers): every contact's decision, and every DisplayName's
"taken", is the one the whole answer gives."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from syncsvc.engine import customers as rules
from syncsvc.engine.customers import QboCustomer
from syncsvc.infusionsoft.records import Contact
from syncsvc.sync.resolve import _CustomerIndex, _prefer_active

GIVEN = ("Grace", "grace", "Liam", "")
FAMILY = ("Murphy", "MURPHY", "Khan", "")
EMAILS = ("", "g@example.com", "G@Example.com ", "other@example.com", "third@example.com")
COMPANIES = ("", "Acme", "acme ")
CITIES = ("", "Boston", "boston", "Austin")

customer_specs = st.lists(st.tuples(st.sampled_from(GIVEN), st.sampled_from(FAMILY), st.sampled_from(EMAILS),
                                    st.sampled_from(COMPANIES), st.sampled_from(CITIES), st.booleans(),
                                    st.booleans()), max_size=40)
contact_specs = st.lists(st.tuples(st.sampled_from(GIVEN[:3]), st.sampled_from(FAMILY[:3]), st.sampled_from(EMAILS),
                                   st.sampled_from(COMPANIES), st.sampled_from(CITIES)), min_size=1, max_size=8)


def _customer(n: int, given: str, family: str, email: str, company: str, city: str, plain: bool) -> QboCustomer:
    display = f"{given} {family}".strip() if plain else f"{given} {family} ({n})".strip()
    return QboCustomer(id=str(n), display_name=display or f"Customer {n}", email=email, given_name=given,
                       family_name=family, company_name=company.strip(), city=city)


def _contact(n: int, given: str, family: str, email: str, company: str, city: str) -> Contact:
    return Contact(id=1000 + n, first_name=given, last_name=family, email=email, company=company, city=city,
                   state="", postal_code="", country="", street1="", street2="", phone="")


@settings(max_examples=400, deadline=None)
@given(customer_specs, contact_specs)
def test_each_contact_decides_as_with_every_customer_the_queries_found(customer_rows, contact_rows):
    contacts = [_contact(n, *row) for n, row in enumerate(contact_rows)]
    asks = {c.id: rules.lookups(c) for c in contacts}
    whole = _CustomerIndex(frozenset(asks))
    inactive = set()
    for n, (given_name, family, email, company, city, plain, is_inactive) in enumerate(customer_rows, start=1):
        whole.add(_customer(n, given_name, family, email, company, city, plain))
        if is_inactive:
            inactive.add(str(n))
    searched = [name for a in asks.values() for name in a.display_names[:2]]
    whole.mark_display_names_searched(searched)
    kept = copy.deepcopy(whole)

    kept.keep_only_for(asks.values(), inactive)

    for contact in contacts:
        a = asks[contact.id]
        assert rules.resolve_customer(contact, _prefer_active(kept.candidates(a), inactive)) == \
            rules.resolve_customer(contact, _prefer_active(whole.candidates(a), inactive))
        for name in a.display_names:
            assert kept.display_name_taken(name) == whole.display_name_taken(name), name


def test_thousands_of_namesakes_with_emails_of_their_own_are_kept_as_one_of_each_kind():
    contact = _contact(1, "Grace", "Murphy", "grace@example.com", "", "")
    index = _CustomerIndex(frozenset({contact.id}))
    for n in range(1, 3_001):
        index.add(_customer(n, "Grace", "Murphy", f"grace{n}@example.com", "", "", plain=False))
    index.add(_customer(5_000, "Grace", "Murphy", "", "", "", plain=True))  # typed in by hand: may be her

    index.keep_only_for([rules.lookups(contact)], inactive={"7"})

    kept = index.candidates(rules.lookups(contact)).by_name
    assert sorted(c.id for c in kept) == ["1", "5000", "7"]  # one active, one inactive namesake, and hers
    assert rules.resolve_customer(contact, _prefer_active(index.candidates(rules.lookups(contact)), {"7"})) == \
        rules.Matched("5000", "name")
