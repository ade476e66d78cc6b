"""Issue 11: held orders reach cron. `syncsvc sync` exits 3 when orders were held and none failed, 1 when any
failed (held or not), 0 otherwise; its summary line counts skipped payments."""

from __future__ import annotations

from datetime import datetime

from syncsvc.cli import build_parser, main
from syncsvc.quickbooks import writers
from syncsvc.quickbooks.client import open_company
from tests.integration.quickbooks_client.builders import customer

from .shop import Shop


def _ambiguous_order(world) -> tuple[int, int, str]:
    """An order held because its contact matches two customers: (order id, contact id, one customer's id)."""
    qb = open_company(world.settings()).client()
    writers.create(qb, customer("John Smith (east)", "John", "Smith"))
    west = str(writers.create(qb, customer("John Smith (west)", "John", "Smith")).Id)
    shop = Shop(world.keap.store)
    john = shop.contact("John", "Smith", "")
    return shop.order(john, (shop.product(price="7.00"), "7.00", 1))[0], john, west


def test_held_orders_exit_3_and_a_failure_still_exits_1(world, tmp_path, capsys):
    held, john, west = _ambiguous_order(world)
    config = world.config_file(tmp_path)

    assert main(["-c", config, "sync"]) == 3
    assert "1 held" in capsys.readouterr().out

    assert main(["-c", config, "sync", "--orders", f"{held},4242"]) == 1  # held and failed: failed wins
    out = capsys.readouterr().out
    assert "1 held" in out and "failed: 4242" in out

    assert main(["-c", config, "sync"]) == 3  # still held: retried each run, and cron hears of it each time
    assert main(["-c", config, "link", "customer", str(john), west]) == 0
    assert main(["-c", config, "sync"]) == 0  # settled
    assert "0 held" in capsys.readouterr().out.splitlines()[-1]


def test_the_exit_codes_are_documented_in_the_commands_help(capsys):
    parser = build_parser()
    sync = parser._subparsers._group_actions[0].choices["sync"]
    text = " ".join(sync.format_help().split())
    assert "3 when none failed but some" in text and "1 when any order failed" in text


def test_the_summary_line_counts_skipped_payments(world, tmp_path, capsys):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="10.00"), "10.00", 1))
    shop.pay_manually(invoice_id, "0.00", datetime(2026, 11, 1, 12, 0), pay_type="Check")
    config = world.config_file(tmp_path)

    assert main(["-c", config, "sync"]) == 0
    out = capsys.readouterr().out
    assert "1 payments skipped" in out, out
