"""A read batch made ready to sync: its orders read from Keap, what the state holds of them, and what
QuickBooks holds that they refer to (customers, items, payments and documents), each read in bulk.

`ReadBatches.read` runs in the read-ahead thread (ahead.py) while the previous read batch syncs, so its
QuickBooks reads go into a directory of their own (`QboDirectory.ahead`), which the sync adopts when the
batch's turn comes, with what the previous batch created meanwhile replayed into it. Its state reads
see the same records as reads made at its turn would: only an order's own writes change them, and read
batches never share an order or a payment (customer links are read again when each order is planned).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from quickbooks.objects.invoice import Invoice
from quickbooks.objects.salesreceipt import SalesReceipt

from syncsvc import stopping
from syncsvc.config import SyncSettings
from syncsvc.engine.items import special_item_accounts
from syncsvc.engine.numbering import doc_number
from syncsvc.engine.payments import distinct_reference, full_reference, short_reference
from syncsvc.engine.plan import OrderBundle
from syncsvc.engine.refunds import refund_doc_number
from syncsvc.infusionsoft.source import OrderSource
from syncsvc.quickbooks.errors import QuickBooksError, QuickBooksReconnectRequired
from syncsvc.store.state import Absent, StateStore
from syncsvc.sync.bundles import read_bundles
from syncsvc.sync.posted import item_lookups
from syncsvc.sync.resolve import QboDirectory

log = logging.getLogger(__name__)


@dataclass
class ReadBatch:
    """One read batch, ready: its bundles (an id Keap did not return is absent), those to sync, what the
    state holds nothing of, QuickBooks' answers to its bulk reads, and why its orders cannot go on now
    (QuickBooks kept refusing those reads), if so."""

    bundles: dict[int, OrderBundle]
    wanted: list[OrderBundle]
    absent: Absent
    directory: QboDirectory
    refused: str | None


class ReadBatches:
    """Reads read batches (see the module docstring) for one run."""

    def __init__(self, source: OrderSource, qb, state: StateStore, settings: SyncSettings,
                 keep: Callable[[OrderBundle], bool]) -> None:
        self.source, self.qb, self.state, self.settings, self.keep = source, qb, state, settings, keep

    def read(self, chunk: list[int], directory: QboDirectory) -> ReadBatch:
        bundles = read_bundles(self.source, chunk)
        wanted = [bundles[i] for i in chunk if i in bundles and self.keep(bundles[i])]
        absent = self.state.study_batch([b.order.id for b in wanted], [p.id for b in wanted for p in b.payments])
        refused = self.preload(wanted, directory, absent)
        return ReadBatch(bundles, wanted, absent, directory, refused)

    def preload(self, bundles: list[OrderBundle], directory: QboDirectory, absent: Absent) -> str | None:
        """Read in bulk what the batch's orders need from QuickBooks. None when done; else the reason its
        orders cannot go on now: QuickBooks refused (429, 5xx, no answer) even after the client's retries, a
        wait and one more try. A request QuickBooks rejects
        outright only loses the bulk read: each order then asks for itself, so a bad one fails alone."""
        for attempt in (1, 2):
            try:
                self._items(bundles, directory)
                self._customers(bundles, directory, absent)
                self._payments(bundles, directory, absent)
                self._documents(bundles, directory, absent)
                return None
            except QuickBooksReconnectRequired:
                raise  # the whole connection is paused
            except QuickBooksError as exc:
                if not exc.retriable:
                    log.warning("QuickBooks refused a bulk read for %d orders (%s); each order asks for itself",
                                len(bundles), exc)
                    return None
                if attempt == 2:
                    log.warning("QuickBooks still refuses the bulk reads for %d orders (%s); they are retried "
                                "next cycle", len(bundles), exc)
                    return (f"QuickBooks kept refusing the bulk reads of this order's batch, even after waiting "
                            f"({exc}); retried next cycle")
                wait = self._wait_after(exc)
                log.warning("QuickBooks refused the bulk reads for %d orders (%s); waiting %.1f s, then going on",
                            len(bundles), exc, wait)
                stopping.sleep(wait)  # a stop meanwhile ends the run before these orders (Stopped)
        return None

    def _wait_after(self, exc: QuickBooksError) -> float:
        """What QuickBooks asked for (Retry-After, else [quickbooks].throttle_wait_seconds), as its client waits."""
        policy = getattr(getattr(self.qb, "company", None), "retry_policy", None)
        return policy.wait_after(exc, 1) if policy is not None else 60.0

    def _customers(self, bundles: list[OrderBundle], directory: QboDirectory, absent: Absent) -> None:
        contacts = {b.contact.id: b.contact for b in bundles if b.contact is not None}
        with self.state.unit(absent) as uow:
            unlinked = [c for contact_id, c in sorted(contacts.items()) if uow.customer_link(contact_id) is None]
        directory.load_customers(unlinked)

    def _payments(self, bundles: list[OrderBundle], directory: QboDirectory, absent: Absent) -> None:
        """The references of payments not recorded yet, each with its distinct form (engine/payments.py):
        the executor checks QBO for both before posting."""
        refs = set()
        with self.state.unit(absent) as uow:
            for bundle in bundles:
                if bundle.payments:
                    recorded = uow.posted_payment_refs(bundle.order.id)
                    for p in bundle.payments:
                        if p.id not in recorded:
                            full_ref = full_reference(p, self.settings.engine)
                            refs.update((short_reference(full_ref), distinct_reference(full_ref, p.id)))
        directory.load_payments(refs)

    def _documents(self, bundles: list[OrderBundle], directory: QboDirectory, absent: Absent) -> None:
        """The DocNumbers of orders with no document recorded: before creating one, the executor checks
        whether QBO holds it already (ours, whose record was lost: adopted; someone else's: held)."""
        settings = self.settings.engine
        with self.state.unit(absent) as uow:
            numbers = [doc_number(b.order.id, b.invoice.id, settings) for b in bundles
                       if b.invoice is not None and uow.document(b.order.id) is None]
        directory.load_documents(SalesReceipt if settings.posting_mode == "sales_receipt" else Invoice, numbers)
        # The DocNumbers the orders' refunds would take (engine/refunds.py): a refund whose record was lost
        # is adopted, another document with its number holds it; checked without a query per refund.
        directory.load_refunds(
            refund_doc_number(doc_number(b.order.id, b.invoice.id, settings), n) for b in bundles
            if b.invoice is not None for n in range(1, 1 + sum(1 for p in b.payments if p.is_refund)))

    def _items(self, bundles: list[OrderBundle], directory: QboDirectory) -> None:
        names, skus = set(), set()
        for bundle in bundles:
            asks = item_lookups(bundle, self.settings.engine)
            names.update(asks.names)
            skus.update(asks.skus)
        directory.load_items(names, skus)
        directory.check_item_accounts(special_item_accounts(self.settings.engine))
