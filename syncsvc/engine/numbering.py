"""The QBO DocNumber of an order, and the memo that names both Infusionsoft ids."""

from __future__ import annotations

from syncsvc.engine.settings import EngineSettings

DOC_NUMBER_MAX = 21  # QBO: "maximum of 21 chars"


class DocNumberTooLong(ValueError):
    pass


def doc_number(order_id: int, invoice_id: int, settings: EngineSettings) -> str:
    """By default the order id: it is the "invoice number" Infusionsoft prints on
    the invoice, which is what a customer quotes. The invoice id differs once
    orders have been deleted."""
    number = order_id if settings.doc_number_source == "order_id" else invoice_id
    result = f"{settings.doc_number_prefix}{number}"
    if len(result) > DOC_NUMBER_MAX:
        raise DocNumberTooLong(
            f"DocNumber {result!r} is {len(result)} characters; QuickBooks allows {DOC_NUMBER_MAX} "
            f"(shorten doc_number_prefix {settings.doc_number_prefix!r})"
        )
    return result


def ids_memo(order_id: int, invoice_id: int) -> str:
    return f"Infusionsoft order {order_id} / invoice {invoice_id}"
