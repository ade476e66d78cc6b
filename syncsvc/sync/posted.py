"""PostedState for one order: what the state store and QuickBooks already hold."""

from __future__ import annotations

from syncsvc.engine import customers as customer_rules
from syncsvc.engine import items as item_rules
from syncsvc.engine.payments import distinct_reference, full_reference, short_reference
from syncsvc.engine.plan import OrderBundle, PostedDocument, PostedState
from syncsvc.engine.settings import EngineSettings
from syncsvc.store.state import UnitOfWork
from syncsvc.sync.resolve import QboDirectory

NO_CONTACT = customer_rules.Matched("", "none")  # the plan holds an order without contact before using it


def item_lookups(bundle: OrderBundle, settings: EngineSettings) -> item_rules.ItemLookups:
    return item_rules.lookups(bundle.order_items, bundle.products_by_id, settings)


def posted_state(uow: UnitOfWork, bundle: OrderBundle, directory: QboDirectory, settings: EngineSettings) -> PostedState:
    order_id = bundle.order.id
    if bundle.contact is None:
        resolution = NO_CONTACT
    else:
        link = uow.customer_link(bundle.contact.id)
        resolution = directory.resolve_customer(bundle.contact, link.qbo_customer_id if link else None)
        if isinstance(resolution, customer_rules.Matched) and resolution.rule != "linked":
            # Remember the match: the next order of this contact costs no query and cannot drift.
            uow.link_customer(bundle.contact.id, resolution.customer_id, resolution.rule)
    asks = item_lookups(bundle, settings)
    row = uow.document(order_id)
    posted_refs = uow.posted_payment_refs(order_id)
    # Other payments already posted under a reference one of ours would take (a reused merchant
    # reference): the engine gives ours its distinct reference instead.
    elsewhere = uow.payment_owners(_candidate_refs(bundle, posted_refs, settings))
    return PostedState(
        customer=resolution,
        items=directory.items(asks.names, asks.skus),
        document=PostedDocument(row.qbo_id, row.qbo_type, row.content_hash, row.invoice_id, row.doc_number)
        if row else None,
        payment_refs=frozenset(posted_refs.values()) | frozenset(elsewhere),
        posted_payment_refs={**{payment_id: ref for ref, payment_id in elsewhere.items()}, **posted_refs},
        posted_refunds=uow.posted_refunds(order_id),
        reported_payment_ids=frozenset(
            p.id for p in bundle.payments if uow.issue_recorded("payment", p.id, "skipped")
        ),
    )


def _candidate_refs(bundle: OrderBundle, posted_refs: dict[int, str], settings: EngineSettings) -> set[str]:
    """The references the order's payments not posted yet may be posted under."""
    refs = set()
    for payment in bundle.payments:
        if payment.id not in posted_refs:
            full_ref = full_reference(payment, settings)
            refs.update((short_reference(full_ref), distinct_reference(full_ref, payment.id)))
    return refs
