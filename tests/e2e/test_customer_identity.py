"""Issue 11: two people are never merged into one customer, and customers typed into QuickBooks with only a
DisplayName are found (through both Keap APIs)."""

from __future__ import annotations

from syncsvc.quickbooks import writers
from syncsvc.quickbooks.client import open_company
from tests.integration.quickbooks_client.builders import customer

from .books import order_issues
from .shop import Shop


def _customers(world) -> dict[str, dict]:
    return {c["Id"]: c for c in world.entities("Customer")}


def _link_rule(world, contact_id) -> str:
    with world.state().unit() as uow:
        return uow.customer_link(contact_id).rule


def test_two_pat_lees_with_different_emails_become_two_customers(world):
    shop = Shop(world.keap.store)
    widget = shop.product(price="5.00")
    first = shop.contact("Pat", "Lee", "pat@one.example")
    second = shop.contact("Pat", "Lee", "pat.lee@two.example")
    order_1, _ = shop.order(first, (widget, "5.00", 1))
    order_2, _ = shop.order(second, (widget, "7.00", 1))

    summary = world.cycle()
    assert summary.ok and summary.counts["customers_created"] == 2
    one = world.invoice(str(order_1))["CustomerRef"]["value"]
    two = world.invoice(str(order_2))["CustomerRef"]["value"]
    assert one != two
    customers = _customers(world)
    assert customers[one]["DisplayName"] == "Pat Lee"
    assert customers[two]["DisplayName"] == f"Pat Lee ({second})"
    assert customers[two]["PrimaryEmailAddr"]["Address"] == "pat.lee@two.example"
    assert _link_rule(world, second) == "created_other_email"

    # A third Pat Lee, in a later run (looked up contact by contact): a third customer; the first one's next
    # order still goes to the first.
    third = shop.contact("Pat", "Lee", "pl@three.example")
    order_3, _ = shop.order(third, (widget, "9.00", 1))
    order_4, _ = shop.order(first, (widget, "11.00", 1))
    assert world.cycle().ok
    assert world.invoice(str(order_3))["CustomerRef"]["value"] not in (one, two)
    assert world.invoice(str(order_4))["CustomerRef"]["value"] == one
    assert len(_customers(world)) == 3


def test_a_name_match_to_a_customer_typed_with_another_email_creates_a_customer(world):
    qb = open_company(world.settings()).client()
    typed = str(writers.create(qb, customer("Pat Lee", "Pat", "Lee", "pat@books.example")).Id)
    shop = Shop(world.keap.store)
    pat = shop.contact("Pat", "Lee", "pat@shop.example")
    order_id, _ = shop.order(pat, (shop.product(price="5.00"), "5.00", 1))
    assert world.cycle().ok
    posted_to = world.invoice(str(order_id))["CustomerRef"]["value"]
    assert posted_to != typed and _customers(world)[posted_to]["DisplayName"] == f"Pat Lee ({pat})"


def test_a_customer_typed_with_only_a_display_name_is_matched(world):
    qb = open_company(world.settings()).client()
    jane = str(writers.create(qb, customer("Jane Doe")).Id)
    shop = Shop(world.keap.store)
    contact = shop.contact("Jane", "Doe", "jane.doe@example.com")
    order_id, _ = shop.order(contact, (shop.product(price="5.00"), "5.00", 1))

    summary = world.cycle()
    assert summary.ok and summary.counts["customers_created"] == 0 and summary.counts["customers_by_name"] == 1
    assert world.invoice(str(order_id))["CustomerRef"]["value"] == jane
    assert [c["DisplayName"] for c in world.entities("Customer")] == ["Jane Doe"]


def test_a_display_name_match_beside_a_name_match_is_held(world):
    qb = open_company(world.settings()).client()
    writers.create(qb, customer("Jane Doe"))
    writers.create(qb, customer("Jane Doe (east)", "Jane", "Doe"))
    shop = Shop(world.keap.store)
    contact = shop.contact("Jane", "Doe", "")
    order_id, _ = shop.order(contact, (shop.product(price="5.00"), "5.00", 1))

    summary = world.cycle()
    assert summary.counts["held"] == 1 and world.entities("Invoice") == []
    kind, reason = order_issues(world)[order_id]
    assert kind == "held" and "Jane Doe (east)" in reason and f"link customer {contact}" in reason
