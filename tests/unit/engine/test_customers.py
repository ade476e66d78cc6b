from syncsvc.engine.customers import (
    Ambiguous, Create, CustomerCandidates, Matched, QboCustomer, display_name_options, lookups, resolve_customer,
)

from .builders import contact

JANE_Q = QboCustomer("Q1", "Jane Smith", email="jane@example.com", given_name="Jane", family_name="Smith")
OTHER_JANE = QboCustomer("Q2", "J. Smith", email="js@other.org", given_name="Jane", family_name="Smith")
ACME_NY = QboCustomer("Q3", "Acme Inc", company_name="ACME", city="New York")


def test_email_matches_trimmed_and_case_insensitively():
    person = contact(email="  Jane@Example.COM ")
    assert lookups(person).email == "Jane@Example.COM"
    assert resolve_customer(person, CustomerCandidates(by_email=(JANE_Q,))) == Matched("Q1", "email")


def test_name_rule_applies_when_no_email_matches():
    person = contact(email="new@example.com")
    no_email_jane = QboCustomer("Q2", "J. Smith", given_name="Jane", family_name="Smith")
    found = CustomerCandidates(by_email=(JANE_Q,), by_name=(no_email_jane,))  # JANE_Q's email is a different one
    assert resolve_customer(person, found) == Matched("Q2", "name")


def test_a_name_match_with_another_email_is_another_person():
    person = contact(email="new@example.com")
    found = CustomerCandidates(by_name=(OTHER_JANE,), taken_display_names=frozenset({"Jane Smith"}))
    result = resolve_customer(person, found)
    assert isinstance(result, Create) and result.rule == "created_other_email"
    assert result.draft.display_name == f"Jane Smith ({person.id})"


def test_the_other_email_rule_leaves_the_same_person_and_company_city_matches():
    person = contact(email="js@other.org", company="ACME", city="New York")
    same = QboCustomer("Q2", "J. Smith", email="JS@other.org ", given_name="Jane", family_name="Smith")
    assert resolve_customer(person, CustomerCandidates(by_name=(same, JANE_Q))) == Matched("Q2", "name")
    acme_other = QboCustomer("Q4", "Acme Boston", email="boss@acme.com", company_name="ACME", city="New York")
    result = resolve_customer(person, CustomerCandidates(by_company_city=(acme_other, ACME_NY)))
    assert result == Matched("Q3", "company_city")
    assert isinstance(resolve_customer(person, CustomerCandidates(by_company_city=(acme_other,))), Create)
    no_email = contact(email="")
    assert resolve_customer(no_email, CustomerCandidates(by_name=(OTHER_JANE,))) == Matched("Q2", "name")


def test_name_rule_also_matches_a_customer_known_only_by_display_name():
    by_display = QboCustomer("Q9", "jane  smith")
    assert resolve_customer(contact(email=""), CustomerCandidates(by_name=(by_display,))) == Matched("Q9", "name")


def test_company_and_city_match_only_when_the_contact_has_both():
    with_both = contact(first="", last="", email="", company="Acme", city="new york")
    assert resolve_customer(with_both, CustomerCandidates(by_company_city=(ACME_NY,))) == Matched("Q3", "company_city")
    company_only = contact(first="", last="", email="", company="Acme", city="")
    assert lookups(company_only).company_name == ""
    assert isinstance(resolve_customer(company_only, CustomerCandidates(by_company_city=(ACME_NY,))), Create)


def test_two_customers_sharing_the_email_hold_the_order_naming_both():
    twin = QboCustomer("Q7", "Jane S. (old)", email="JANE@example.com")
    result = resolve_customer(contact(), CustomerCandidates(by_email=(twin, JANE_Q)))
    assert isinstance(result, Ambiguous) and result.rule == "email"
    assert [c.id for c in result.candidates] == ["Q1", "Q7"]
    assert "Q1 (Jane Smith)" in result.message() and "Q7" in result.message()
    assert "syncsvc link customer 501 QBO_ID" in result.message()


def test_a_stored_link_wins_over_every_rule():
    found = CustomerCandidates(by_email=(JANE_Q,))
    assert resolve_customer(contact(), found, link="Q42") == Matched("Q42", "linked")


def test_no_match_creates_a_customer_with_the_plain_name():
    result = resolve_customer(contact(email="new@example.com"), CustomerCandidates())
    assert isinstance(result, Create) and result.rule == "created"
    assert result.draft.display_name == "Jane Smith"
    assert result.draft.email == "new@example.com" and result.draft.contact_id == 501


def test_a_second_jane_smith_gets_the_contact_id_in_her_display_name():
    found = CustomerCandidates(taken_display_names=frozenset({"JANE SMITH"}))
    result = resolve_customer(contact(contact_id=12345, email="other@example.com"), found)
    assert result.draft.display_name == "Jane Smith (12345)"
    # deterministic: the same inputs give the same name
    assert resolve_customer(contact(contact_id=12345, email="other@example.com"), found) == result


def test_every_candidate_name_taken_holds_instead_of_guessing():
    person = contact(contact_id=8)
    found = CustomerCandidates(taken_display_names=frozenset(display_name_options(person)))
    result = resolve_customer(person, found)
    assert isinstance(result, Ambiguous) and "syncsvc link customer 8" in result.message()


def test_names_are_sanitised_for_quickbooks():
    person = contact(first="Jane:\tMary", last="Smith\nJr", email="not-an-email", company="A:B")
    draft = resolve_customer(person, CustomerCandidates()).draft
    assert draft.display_name == "Jane Mary Smith Jr"
    assert draft.given_name == "Jane Mary" and draft.company_name == "A B"
    assert draft.email == ""  # QBO rejects an address without '@' and '.'


def test_long_names_fit_quickbooks_limits_with_the_suffix_kept():
    person = contact(contact_id=77, first="A" * 300, last="B" * 300)
    options = display_name_options(person)
    assert all(len(name) <= 500 for name in options)
    assert options[1].endswith(" (77)")
    draft = resolve_customer(person, CustomerCandidates()).draft
    assert len(draft.given_name) == 100 and len(draft.family_name) == 100


def test_contact_without_any_name_is_named_after_its_id():
    person = contact(contact_id=9, first="", last="", email="", company="")
    assert resolve_customer(person, CustomerCandidates()).draft.display_name == "Infusionsoft contact 9"
