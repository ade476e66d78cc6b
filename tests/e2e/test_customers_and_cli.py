"""Customer matching by each rule, an ambiguous contact settled by `syncsvc link customer`, and the CLI."""

from __future__ import annotations

import json

from syncsvc.cli import main
from syncsvc.quickbooks import writers
from syncsvc.quickbooks.client import open_company
from tests.integration.quickbooks_client.builders import customer

from .shop import Shop


def _qbo_customer(qb, display, given=None, family=None, email=None, company=None, city=None) -> str:
    return str(writers.create(qb, customer(display, given, family, email, company, city)).Id)


def _config(world, tmp_path):
    return world.config_file(tmp_path)


def test_contacts_match_by_email_name_and_company_city(world):
    qb = open_company(world.settings()).client()
    by_email = _qbo_customer(qb, "J. Smith (books)", email="JANE@example.com")
    by_name = _qbo_customer(qb, "Bob Jones", "Bob", "Jones")
    by_company = _qbo_customer(qb, "Acme Boston", company="Acme", city="Boston")
    shop = Shop(world.keap.store)
    widget = shop.product(price="5.00")
    contacts = {
        by_email: shop.contact("Jane", "Smith", " jane@example.com "),
        by_name: shop.contact("Bob", "Jones", "bob@new.example"),
        by_company: shop.contact("", "", "", company="Acme", city="Boston"),
    }
    orders = {qbo_id: shop.order(contact, (widget, "5.00", 1))[0] for qbo_id, contact in contacts.items()}

    summary = world.cycle()
    assert summary.ok and summary.counts["customers_created"] == 0
    assert (summary.counts["customers_by_email"], summary.counts["customers_by_name"],
            summary.counts["customers_by_company_city"]) == (1, 1, 1)
    for qbo_id, order_id in orders.items():
        assert world.invoice(str(order_id))["CustomerRef"]["value"] == qbo_id


def test_an_ambiguous_contact_is_held_until_linked_from_the_command_line(any_db_world, tmp_path, capsys):
    world = any_db_world
    qb = open_company(world.settings()).client()
    _qbo_customer(qb, "John Smith (east)", "John", "Smith")
    west = _qbo_customer(qb, "John Smith (west)", "John", "Smith")
    shop = Shop(world.keap.store)
    john = shop.contact("John", "Smith", "")
    order_id, invoice_id = shop.order(john, (shop.product(price="7.00"), "7.00", 1))
    shop.charge(invoice_id, john)
    config = _config(world, tmp_path)

    assert main(["-c", config, "sync"]) == 3  # held (issue 11: cron sees it)
    out = capsys.readouterr().out
    assert "1 held" in out and world.entities("Invoice") == []
    assert main(["-c", config, "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    [issue] = status["open_issues"]
    assert issue["id"] == order_id and issue["kind"] == "held" and f"link customer {john}" in issue["reason"]
    assert status["runs"][0]["counts"]["held"] == 1 and status["watermarks"]["orders_updated_through"]

    assert main(["-c", config, "link", "customer", str(john), west]) == 0
    assert "John Smith (west)" in capsys.readouterr().out
    assert main(["-c", config, "sync"]) == 0
    invoice = world.invoice(str(order_id))
    assert invoice["CustomerRef"]["value"] == west and invoice["Balance"] == 0
    assert main(["-c", config, "status"]) == 0
    assert "Open issues: 0" in capsys.readouterr().out


def test_sync_orders_flag_reports_unknown_orders_and_exits_non_zero(world, tmp_path, capsys):
    config = _config(world, tmp_path)
    assert main(["-c", config, "sync", "--orders", "4242"]) == 1
    out = capsys.readouterr().out
    assert "failed: 4242" in out and "not found in Infusionsoft" in out
