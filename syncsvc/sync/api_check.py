"""The same orders read through XML-RPC and through REST v2, compared as the sync would post them.

Before moving a connection (`[infusionsoft].api = "rest"`) an operator runs
`syncsvc check-rest --orders ...` on a few real orders, card-paid ones above
all: whether Keap's REST v2 merchant reference equals XML-RPC's CCharge.RefNum
is not documented by Keap. Pure: bundles in, report lines out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from syncsvc.engine.money import cents
from syncsvc.engine.payments import full_reference
from syncsvc.engine.plan import OrderBundle
from syncsvc.engine.settings import EngineSettings


@dataclass(frozen=True)
class ApiComparison:
    lines: tuple[str, ...]
    differences: int  # facts that differ between the two APIs (0: the books would be the same)
    # An order's Keap invoice id differs between the APIs: after a move, posted orders would look reused.
    invoice_ids_differ: bool = False


def compare_orders(order_ids: Iterable[int], through_xmlrpc: Mapping[int, OrderBundle],
                   through_rest: Mapping[int, OrderBundle], settings: EngineSettings) -> ApiComparison:
    lines: list[str] = []
    differences = 0
    invoice_ids_differ = False
    for order_id in sorted(set(order_ids)):
        old, new = through_xmlrpc.get(order_id), through_rest.get(order_id)
        if old is None and new is None:
            lines.append(f"order {order_id}: not found through either API")
            continue
        if old is None or new is None:
            lines.append(f"order {order_id}: found through {'REST v2' if old is None else 'XML-RPC'} only")
            differences += 1
            continue
        facts = _order_facts(old, settings), _order_facts(new, settings)
        differing = [name for name in facts[0] if facts[0][name] != facts[1][name]]
        differences += len(differing)
        invoice_ids_differ = invoice_ids_differ or "invoice" in differing
        summary = (f"invoice {facts[0]['invoice']}, total {facts[0]['total']}, {len(old.order_items)} lines, "
                   f"{len(old.payments)} payments")
        lines.append(f"order {order_id}: " + ("the same through both APIs" if not differing else "DIFFERS") + f" ({summary})")
        lines += [f"  {name}: XML-RPC {facts[0][name]!r}, REST v2 {facts[1][name]!r}" for name in differing]
        rest_payments = {p.id: p for p in new.payments}
        for payment in old.payments:
            twin = rest_payments.pop(payment.id, None)
            old_ref = full_reference(payment, settings)
            if twin is None:
                lines.append(f"  payment {payment.id}: not found through REST v2")
                differences += 1
                continue
            new_ref = full_reference(twin, settings)
            money = (cents(payment.amount), _day(payment)), (cents(twin.amount), _day(twin))
            if old_ref == new_ref and money[0] == money[1]:
                lines.append(f"  payment {payment.id}: reference {old_ref} through both")
                continue
            differences += 1
            lines.append(f"  payment {payment.id}: DIFFERS: XML-RPC {old_ref} {money[0][0]} on {money[0][1]}, "
                         f"REST v2 {new_ref} {money[1][0]} on {money[1][1]}")
        for payment in rest_payments.values():
            differences += 1
            lines.append(f"  payment {payment.id}: found through REST v2 only")
    return ApiComparison(tuple(lines), differences, invoice_ids_differ)


def _order_facts(bundle: OrderBundle, settings: EngineSettings) -> dict:
    invoice = bundle.invoice
    when = (invoice.date_created if invoice else None) or bundle.order.date_created
    return {
        "invoice": invoice.id if invoice else None,
        "total": cents(invoice.total) if invoice else None,
        "paid in full": invoice.paid_in_full if invoice else None,
        "date": when.date().isoformat() if when else None,
        "contact": bundle.contact.id if bundle.contact else None,
        "email": bundle.contact.email if bundle.contact else None,
        "lines": [(i.item_type.name, i.quantity, cents(i.price_per_unit), i.product_id)
                  for i in sorted(bundle.order_items, key=lambda i: i.id)],
        "skus": sorted(p.sku for p in bundle.products),
    }


def _day(payment) -> str | None:
    return payment.pay_date.date().isoformat() if payment.pay_date else None
