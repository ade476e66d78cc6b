"""`syncsvc status` on what a real sync recorded (issue 12): the reasons the sync writes are grouped by
the fix, and a payment held over the balance names its order and QuickBooks invoice."""

from __future__ import annotations

import json

from syncsvc.cli import main

from .shop import Shop


def test_orders_with_the_same_product_without_sku_are_one_line_in_status(world, tmp_path, capsys):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    filter_ = shop.product("Oil Filter", sku="", price="10.00")
    widget = shop.product()
    orders = []
    for n in range(7):
        lines = [(filter_, "10.00", 1)] + ([(widget, "40.00", 1)] if n % 2 else [])
        order_id, invoice_id = shop.order(jane, *lines)
        shop.charge(invoice_id, jane)
        orders.append(order_id)
    config = world.config_file(tmp_path)
    assert main(["-c", config, "sync"]) == 0
    capsys.readouterr()

    assert main(["-c", config, "status"]) == 0
    out = capsys.readouterr().out
    [line] = [line for line in out.splitlines() if f"product {filter_} 'Oil Filter' has no SKU" in line]
    assert "7 orders" in line and ", ".join(map(str, orders[:5])) in line and "and 2 more" in line
    assert "Posted with a warning" in out and f"syncsvc sync --orders {','.join(map(str, orders))}" in out
    assert "UTC" in out and world.database_url in out

    report = json.loads(main(["-c", config, "status", "--json"]) == 0 and capsys.readouterr().out)
    [group] = report["issue_groups"]
    assert group["ids"] == orders and group["kind"] == "warning"
    assert report["runs"][0]["started_at"].endswith("+00:00")


def test_a_payment_held_over_the_invoice_total_names_its_order_and_invoice_once(world, tmp_path, capsys):
    from datetime import datetime, timezone

    day = datetime(2024, 3, 4, 15, 0, tzinfo=timezone.utc)
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="100.00"), "100.00", 1))
    shop.pay_manually(invoice_id, "60.00", day)
    extra = shop.pay_manually(invoice_id, "60.00", day)  # Keap took 120.00 on a 100.00 order
    summary = world.cycle()
    assert summary.held and order_id in summary.held
    document = world.invoice(str(order_id))["DocNumber"]

    assert main(["-c", world.config_file(tmp_path), "status"]) == 0
    out = capsys.readouterr().out
    issues = out[out.index("Open issues"):]
    [line] = [line for line in issues.splitlines() if f"{extra} (order" in line]
    assert f"1 payment: {extra} (order {order_id}, QuickBooks Invoice {document})" in line
    assert issues.count("60.00 is more than") == 1  # not again as the order's hold
    assert "closes when" in issues
