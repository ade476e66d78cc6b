"""Creates and updates that are safe to retry.

Every create carries a deterministic requestid (same for every attempt). QBO
does not always honour requestids, so when a write's outcome is unknown
(timeout, dropped connection, 5xx after sending) the document is looked up by
its natural key BEFORE any second attempt: found -> it is adopted, not found
-> the write is sent again with the same requestid. A payment found by its
PaymentRefNum is ours only when it is on the same customer and invoices, for
the same amounts: a payment someone typed with the same reference is not.

A write QuickBooks refused (a validation fault: an overpayment, a body cut
short on the way) is refused again for as long as the same requestid is sent,
because QuickBooks replays the first answer to a requestid. Given a
`refusals` ledger (the state store), a refused requestid is recorded and the
next attempt of the same content carries the next one (requestids.py).

A name QBO refuses with 6240 because an INACTIVE item or payment method holds
it (QBO hides inactive ones from queries but keeps their names taken) is
answered by reactivating that record, with a warning naming it, and returning
it: the sync needed an item or payment method of that name, and the
bookkeeper's inactive one is it (never a second one under another name).
Customers are not handled here: which customer an order posts to is decided
by the directory's rules (`syncsvc.sync.resolve`).
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Protocol

from syncsvc.quickbooks.errors import (
    AuthFault, DuplicateDocNumber, DuplicateName, QuickBooksFault, UnknownOutcome,
)
from syncsvc.quickbooks.lookups import NATURAL_KEY_FIELDS, all_by_natural_key, named, natural_key_of
from syncsvc.quickbooks.requestids import content_version, request_id

log = logging.getLogger(__name__)

# Entities whose create, refused with 6240 because an inactive record holds the name, reactivates that record.
REACTIVATED_ON_DUPLICATE = ("Item", "PaymentMethod")
_WORDS = {"PaymentMethod": "payment method"}


class RefusalLedger(Protocol):
    """Requestids QuickBooks refused, kept across runs (the state store's unit of work)."""

    def request_refused(self, request_id: str) -> bool: ...

    def record_refused_request(self, request_id: str, what: str, reason: str) -> None: ...


def create(qb, obj, *, request_id_override: str | None = None, refusals: RefusalLedger | None = None):
    """Create `obj` (Customer, Item, Invoice, SalesReceipt, Payment, ...) once; return QBO's copy.

    The object's natural key (DocNumber, PaymentRefNum, DisplayName or Name) must be set:
    it is what makes an unknown outcome resolvable.
    """
    entity = obj.qbo_object_name
    key = natural_key_of(obj)
    if key is None:
        field = NATURAL_KEY_FIELDS.get(entity, "a natural key")
        raise ValueError(f"{entity} needs {field} set before create, so a lost answer can be resolved")
    rid = request_id_override or _unrefused(refusals, lambda n: request_id(
        qb.company_id, entity, key, content_version(obj), attempt=n))
    policy = qb.company.retry_policy
    outcome_unknown = False
    for attempt in range(1, policy.max_attempts + 1):
        try:
            return obj.save(qb=qb, request_id=rid)
        except UnknownOutcome as exc:
            outcome_unknown = True
            existing = same_write_in_qbo(qb, obj, key)
            if existing is not None:
                log.info("%s %s: outcome was unknown; found it in QBO (Id %s), adopting", entity, key, existing.Id)
                return _adopt(obj, existing)
            if attempt == policy.max_attempts:
                raise
            log.info("%s %s: outcome unknown (%s) and not in QBO; sending again", entity, key, exc)
            policy.sleep(policy.backoff(attempt))
        except (DuplicateDocNumber, DuplicateName) as exc:
            _note_refusal(refusals, rid, f"{entity} {key}", exc)
            reactivated = reactivated_holder(qb, obj, exc)
            if reactivated is not None:
                return reactivated
            # Only ours if an earlier attempt of this very write may have landed (requestid not honoured).
            if not outcome_unknown:
                raise
            existing = same_write_in_qbo(qb, obj, key)
            if existing is None:
                raise
            return _adopt(obj, existing)
        except QuickBooksFault as exc:
            _note_refusal(refusals, rid, f"{entity} {key}", exc)
            raise
    raise AssertionError("unreachable")


def reactivated_holder(qb, obj, fault: QuickBooksFault):
    """When `fault` is QBO's 6240 for an item or payment method whose name an INACTIVE record holds: that
    record, reactivated (and `obj` given its Id). Else None: the fault stands."""
    entity = obj.qbo_object_name
    if not isinstance(fault, DuplicateName) or entity not in REACTIVATED_ON_DUPLICATE:
        return None
    holder = named(qb, type(obj), natural_key_of(obj))
    if holder is None or holder.Active is not False:
        return None
    return _adopt(obj, reactivate(qb, holder, "the sync needs one of that name"))


def update(qb, obj, *, request_id_override: str | None = None, refusals: RefusalLedger | None = None):
    """Full or sparse update of `obj` (Id and SyncToken set); StaleObject if someone else changed it."""
    entity_cls = type(obj)
    entity = obj.qbo_object_name
    sent_sync_token = str(obj.SyncToken)
    key = f"{obj.Id}@{sent_sync_token}"
    rid = request_id_override or _unrefused(refusals, lambda n: request_id(
        qb.company_id, entity, key, content_version(obj), operation="update", attempt=n))
    policy = qb.company.retry_policy
    for attempt in range(1, policy.max_attempts + 1):
        try:
            return obj.save(qb=qb, request_id=rid)
        except QuickBooksFault as exc:
            _note_refusal(refusals, rid, f"{entity} {key} (update)", exc)
            raise
        except UnknownOutcome:
            current = entity_cls.get(obj.Id, qb=qb)
            if str(current.SyncToken) != sent_sync_token:
                # The SyncToken moved: our update landed (a concurrent editor would be a 5010 next time anyway).
                return current
            if attempt == policy.max_attempts:
                raise
            policy.sleep(policy.backoff(attempt))
    raise AssertionError("unreachable")


def reactivate(qb, obj, why: str):
    """Make an inactive customer, item or payment method active again (a sparse update of the record as
    read, so nothing else changes), logging a warning that names it and `why`; returns QBO's copy."""
    what = _WORDS.get(obj.qbo_object_name, obj.qbo_object_name.lower())
    name = getattr(obj, "DisplayName", None) or getattr(obj, "Name", None) or ""
    obj.Active = True
    obj.sparse = True
    updated = update(qb, obj)
    log.warning("QuickBooks %s %r (Id %s) was inactive; reactivated it because %s", what, name, obj.Id, why)
    return updated


def _adopt(obj, existing):
    obj.Id = existing.Id
    return existing


def _unrefused(refusals: RefusalLedger | None, request_id_for) -> str:
    """The first requestid of this write (request_id_for(0), (1), ...) QuickBooks has not refused."""
    attempt = 0
    while refusals is not None and refusals.request_refused(request_id_for(attempt)):
        attempt += 1
    return request_id_for(attempt)


def _note_refusal(refusals: RefusalLedger | None, rid: str, what: str, fault: QuickBooksFault) -> None:
    """A definite refusal (not throttling, not a server fault, not auth): this requestid is spent."""
    if refusals is not None and not fault.retriable and not isinstance(fault, AuthFault):
        refusals.record_refused_request(rid, what, str(fault))


def same_write_in_qbo(qb, obj, key: str):
    """The object QBO holds under `key` that this write would have made, or None (see same_write)."""
    for existing in all_by_natural_key(qb, type(obj), key):
        if same_write(obj, existing):
            return existing
    return None


def same_write(obj, existing) -> bool:
    """Whether `existing` (found by obj's natural key) is what writing `obj` made. A payment must be on the
    same customer and apply the same amounts to the same invoices: a PaymentRefNum alone proves nothing,
    since a bookkeeper may type the same reference on another payment."""
    if obj.qbo_object_name != "Payment":
        return True
    return (_ref_value(obj.CustomerRef) == _ref_value(existing.CustomerRef)
            and _money(obj.TotalAmt) == _money(existing.TotalAmt)
            and applications(obj) == applications(existing))


def applications(payment) -> dict[tuple[str, str], Decimal]:
    """What a payment applies: (TxnType, TxnId) -> amount."""
    applied: dict[tuple[str, str], Decimal] = {}
    for line in payment.Line or []:
        for txn in line.LinkedTxn or []:
            key = (str(txn.TxnType), str(txn.TxnId))
            applied[key] = applied.get(key, Decimal(0)) + _money(line.Amount)
    return applied


def _ref_value(ref) -> str | None:
    return str(ref.value) if ref is not None and getattr(ref, "value", None) is not None else None


def _money(value) -> Decimal:
    return Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01"))
