"""Which QBO customer an Infusionsoft contact posts to.

Rules, first hit wins: a stored link (manual `syncsvc link customer` or an
earlier match); the email (trimmed, case-insensitive); first + last name;
company + city (only when the contact has both); else create one. The name
rule also matches a customer typed into QuickBooks with only a DisplayName
(no given or family name) equal to the contact's first + last name. A rule that
finds several customers stops the search: guessing would book a sale on the
wrong customer, so the order is held until a user links the contact.

Two people are never merged: a name (or DisplayName, or company + city) match
to a customer whose email is set and differs from the contact's is not a match
(Pat Lee <pat@a> and Pat Lee <pat@b> are two people). When that leaves no match
a new customer is created under the next free DisplayName (`Pat Lee (1234)`),
with the rule `created_other_email` recorded on the link.

The caller runs the QBO queries `lookups(contact)` asks for and hands the
customers found back as CustomerCandidates; this module only decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from syncsvc.infusionsoft.records import Contact

DISPLAY_NAME_MAX = 500
NAME_PART_MAX = 100  # GivenName, FamilyName, CompanyName
EMAIL_MAX = 100
_FORBIDDEN = re.compile(r"[:\t\n\r]")  # QBO rejects these in customer names
_SPACES = re.compile(r"\s+")
_DISPLAY_NAME_TRIES = 4


@dataclass(frozen=True)
class QboCustomer:
    id: str
    display_name: str
    email: str = ""
    given_name: str = ""
    family_name: str = ""
    company_name: str = ""
    city: str = ""


@dataclass(frozen=True)
class CustomerLookups:
    """The QBO queries to run for one contact (empty value: skip that query)."""

    email: str
    given_name: str
    family_name: str
    company_name: str
    city: str
    # DisplayNames a new customer could take; ask QBO which are used by any
    # customer, vendor or employee (DisplayName is unique across all three).
    display_names: tuple[str, ...]


@dataclass(frozen=True)
class CustomerCandidates:
    by_email: tuple[QboCustomer, ...] = ()
    by_name: tuple[QboCustomer, ...] = ()
    by_company_city: tuple[QboCustomer, ...] = ()
    taken_display_names: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Address:
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""


@dataclass(frozen=True)
class CustomerDraft:
    contact_id: int
    display_name: str
    given_name: str
    family_name: str
    company_name: str
    email: str
    phone: str
    bill_address: Address


@dataclass(frozen=True)
class Matched:
    customer_id: str
    rule: str  # "linked" | "email" | "name" | "company_city" | "created"


@dataclass(frozen=True)
class Ambiguous:
    rule: str
    candidates: tuple[QboCustomer, ...]
    contact_id: int = 0

    def message(self) -> str:
        if not self.candidates:
            return (
                f"contact {self.contact_id}: every display name this customer could take is already used "
                f"in QuickBooks; link it with `syncsvc link customer {self.contact_id} QBO_ID`"
            )
        names = ", ".join(f"{c.id} ({c.display_name})" for c in self.candidates)
        return (
            f"contact {self.contact_id} matches {len(self.candidates)} QuickBooks customers by {self.rule}: {names}; "
            f"choose one with `syncsvc link customer {self.contact_id} QBO_ID`"
        )


@dataclass(frozen=True)
class Create:
    draft: CustomerDraft
    rule: str = "created"  # or CREATED_OTHER_EMAIL: a name match was refused for its email


CustomerResolution = Matched | Ambiguous | Create
CREATED_OTHER_EMAIL = "created_other_email"  # fits the link's rule column (20)


def lookups(contact: Contact) -> CustomerLookups:
    has_name = bool(contact.first_name and contact.last_name)
    has_company_city = bool(contact.company and contact.city)
    return CustomerLookups(
        email=contact.email.strip(),
        given_name=contact.first_name.strip() if has_name else "",
        family_name=contact.last_name.strip() if has_name else "",
        company_name=contact.company.strip() if has_company_city else "",
        city=contact.city.strip() if has_company_city else "",
        display_names=display_name_options(contact),
    )


def resolve_customer(contact: Contact, found: CustomerCandidates, link: str | None = None) -> CustomerResolution:
    if link:
        return Matched(link, "linked")
    other_person = False
    for rule, matches in (
        ("email", _by_email(contact, found.by_email)),
        ("name", _by_name(contact, found.by_name)),
        ("company_city", _by_company_city(contact, found.by_company_city)),
    ):
        if rule != "email":
            same_person = [c for c in matches if not _other_email(contact, c)]
            other_person = other_person or len(same_person) < len(matches)
            matches = same_person
        if len(matches) == 1:
            return Matched(matches[0].id, rule)
        if matches:
            return Ambiguous(rule, tuple(sorted(matches, key=lambda c: c.id)), contact.id)
    taken = {normalized(name) for name in found.taken_display_names}
    for name in display_name_options(contact):
        if normalized(name) not in taken:
            return Create(new_customer_draft(contact, name), CREATED_OTHER_EMAIL if other_person else "created")
    return Ambiguous("display_name", (), contact.id)


def display_name_options(contact: Contact) -> tuple[str, ...]:
    """The plain name first, then the name qualified with the contact id: two
    people called Jane Smith become "Jane Smith" and "Jane Smith (12345)"."""
    base = _base_display_name(contact)
    options = [base[:DISPLAY_NAME_MAX]]
    for attempt in range(1, _DISPLAY_NAME_TRIES):
        suffix = f" ({contact.id})" if attempt == 1 else f" ({contact.id}-{attempt})"
        options.append(base[: DISPLAY_NAME_MAX - len(suffix)].rstrip() + suffix)
    return tuple(options)


def new_customer_draft(contact: Contact, display_name: str) -> CustomerDraft:
    email = contact.email.strip()
    if "@" not in email or "." not in email or len(email) > EMAIL_MAX:
        email = ""  # QBO rejects an address without '@' and '.'
    return CustomerDraft(
        contact_id=contact.id,
        display_name=display_name,
        given_name=sanitize(contact.first_name, NAME_PART_MAX),
        family_name=sanitize(contact.last_name, NAME_PART_MAX),
        company_name=sanitize(contact.company, NAME_PART_MAX),
        email=email,
        phone=contact.phone.strip(),
        bill_address=Address(
            line1=contact.street1, line2=contact.street2, city=contact.city,
            state=contact.state, postal_code=contact.postal_code, country=contact.country,
        ),
    )


def sanitize(value: str, limit: int) -> str:
    """A name QBO accepts: no ':' tab or newline, single spaces, within `limit`."""
    cleaned = _SPACES.sub(" ", _FORBIDDEN.sub(" ", value)).strip()
    return cleaned[:limit].rstrip()


def _base_display_name(contact: Contact) -> str:
    for candidate in (f"{contact.first_name} {contact.last_name}", contact.company, contact.email):
        cleaned = sanitize(candidate, DISPLAY_NAME_MAX)
        if cleaned:
            return cleaned
    return f"Infusionsoft contact {contact.id}"


def normalized(value: str) -> str:
    """Spaces collapsed, stripped, case-folded: how the rules compare names and emails."""
    return _SPACES.sub(" ", value).strip().casefold()


def _by_email(contact: Contact, found: tuple[QboCustomer, ...]) -> list[QboCustomer]:
    email = normalized(contact.email)
    if not email:
        return []
    return _unique(c for c in found if normalized(c.email) == email)


def _by_name(contact: Contact, found: tuple[QboCustomer, ...]) -> list[QboCustomer]:
    first, last = normalized(contact.first_name), normalized(contact.last_name)
    if not (first and last):
        return []
    full = f"{first} {last}"
    return _unique(
        c for c in found
        if (normalized(c.given_name), normalized(c.family_name)) == (first, last)
        or (not c.given_name and not c.family_name and normalized(c.display_name) == full)
    )


def _other_email(contact: Contact, customer: QboCustomer) -> bool:
    """The customer has an email and it is not the contact's: another person of the same name."""
    mine, theirs = normalized(contact.email), normalized(customer.email)
    return bool(mine and theirs and mine != theirs)


def _by_company_city(contact: Contact, found: tuple[QboCustomer, ...]) -> list[QboCustomer]:
    company, city = normalized(contact.company), normalized(contact.city)
    if not (company and city):
        return []
    return _unique(c for c in found if normalized(c.company_name) == company and normalized(c.city) == city)


def _unique(customers) -> list[QboCustomer]:
    seen: dict[str, QboCustomer] = {}
    for customer in customers:
        seen.setdefault(customer.id, customer)
    return list(seen.values())
