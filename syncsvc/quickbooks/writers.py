"""Creates and updates that are safe to retry.

Every create carries a deterministic requestid (same for every attempt). QBO
does not always honour requestids, so when a write's outcome is unknown
(timeout, dropped connection, 5xx after sending) the document is looked up by
its natural key BEFORE any second attempt: found -> it is adopted, not found
-> the write is sent again with the same requestid.

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

from syncsvc.quickbooks.errors import DuplicateDocNumber, DuplicateName, UnknownOutcome
from syncsvc.quickbooks.lookups import NATURAL_KEY_FIELDS, find_by_natural_key, named, natural_key_of
from syncsvc.quickbooks.requestids import content_version, request_id

log = logging.getLogger(__name__)

# Entities whose create, refused with 6240 because an inactive record holds the name, reactivates that record.
REACTIVATED_ON_DUPLICATE = ("Item", "PaymentMethod")
_WORDS = {"PaymentMethod": "payment method"}


def create(qb, obj, *, request_id_override: str | None = None):
    """Create `obj` (Customer, Item, Invoice, SalesReceipt, Payment, ...) once; return QBO's copy.

    The object's natural key (DocNumber, PaymentRefNum, DisplayName or Name) must be set:
    it is what makes an unknown outcome resolvable.
    """
    entity_cls = type(obj)
    entity = obj.qbo_object_name
    key = natural_key_of(obj)
    if key is None:
        field = NATURAL_KEY_FIELDS.get(entity, "a natural key")
        raise ValueError(f"{entity} needs {field} set before create, so a lost answer can be resolved")
    rid = request_id_override or request_id(qb.company_id, entity, key, content_version(obj))
    policy = qb.company.retry_policy
    outcome_unknown = False
    for attempt in range(1, policy.max_attempts + 1):
        try:
            return obj.save(qb=qb, request_id=rid)
        except UnknownOutcome as exc:
            outcome_unknown = True
            existing = find_by_natural_key(qb, entity_cls, key)
            if existing is not None:
                log.info("%s %s: outcome was unknown; found it in QBO (Id %s), adopting", entity, key, existing.Id)
                return _adopt(obj, existing)
            if attempt == policy.max_attempts:
                raise
            log.info("%s %s: outcome unknown (%s) and not in QBO; sending again", entity, key, exc)
            policy.sleep(policy.backoff(attempt))
        except (DuplicateDocNumber, DuplicateName) as exc:
            if isinstance(exc, DuplicateName) and entity in REACTIVATED_ON_DUPLICATE:
                holder = named(qb, entity_cls, key)
                if holder is not None and holder.Active is False:
                    return _adopt(obj, reactivate(qb, holder, "the sync needs one of that name"))
            # Only ours if an earlier attempt of this very write may have landed (requestid not honoured).
            if not outcome_unknown:
                raise
            existing = find_by_natural_key(qb, entity_cls, key)
            if existing is None:
                raise
            return _adopt(obj, existing)
    raise AssertionError("unreachable")


def update(qb, obj, *, request_id_override: str | None = None):
    """Full or sparse update of `obj` (Id and SyncToken set); StaleObject if someone else changed it."""
    entity_cls = type(obj)
    entity = obj.qbo_object_name
    sent_sync_token = str(obj.SyncToken)
    rid = request_id_override or request_id(
        qb.company_id, entity, f"{obj.Id}@{sent_sync_token}", content_version(obj), operation="update"
    )
    policy = qb.company.retry_policy
    for attempt in range(1, policy.max_attempts + 1):
        try:
            return obj.save(qb=qb, request_id=rid)
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
