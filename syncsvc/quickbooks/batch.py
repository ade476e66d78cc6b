"""Creates and updates in QuickBooks batch requests (python-quickbooks' BatchManager), faults per item.

A batch carries up to 30 operations (QBO's documented maximum) and no requestid
(QBO takes none on /batch), so a batch whose answer is lost is resolved item by
item before anything is sent again, as a single write's would be (writers.py):
a create found under its natural key and made by this write (`writers.same_write`:
a payment on the same customer, invoice and amount) is adopted; an update whose
SyncToken moved has landed; the rest are sent again. An item QBO's answer does
not mention is resolved the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from quickbooks.batch import BatchManager
from quickbooks.objects.batchrequest import BatchOperation

from syncsvc.quickbooks.errors import QuickBooksFault, UnknownOutcome, classify_fault
from syncsvc.quickbooks.lookups import natural_key_of
from syncsvc.quickbooks.writers import same_write_in_qbo

MAX_ITEMS = 30  # QBO's maximum operations per batch request


@dataclass
class BatchFailure:
    original: object  # the object the caller passed in
    error: QuickBooksFault


@dataclass
class BatchResult:
    succeeded: list[tuple[object, object]] = field(default_factory=list)  # (original, QBO's copy)
    failed: list[BatchFailure] = field(default_factory=list)


def batch_create(qb, objects: list, batch_size: int | None = None) -> BatchResult:
    return _run(qb, BatchOperation.CREATE, objects, batch_size)


def batch_update(qb, objects: list, batch_size: int | None = None) -> BatchResult:
    return _run(qb, BatchOperation.UPDATE, objects, batch_size)


def _run(qb, operation: str, objects: list, batch_size: int | None) -> BatchResult:
    size = batch_size or qb.company.settings.batch_size
    if not 1 <= size <= MAX_ITEMS:
        raise ValueError(f"batch_size must be 1..{MAX_ITEMS}")
    result = BatchResult()
    for start in range(0, len(objects), size):
        chunk = send_batch(qb, operation, list(objects[start:start + size]))
        result.succeeded += chunk.succeeded
        result.failed += chunk.failed
    return result


def send_batch(qb, operation: str, chunk: list) -> BatchResult:
    """One batch request of `operation` ("create" or "update") for up to 30 objects, sent again (after
    resolving what landed) while its answer is lost; every object ends in `succeeded` or `failed`."""
    if not 1 <= len(chunk) <= MAX_ITEMS:
        raise ValueError(f"a batch holds 1..{MAX_ITEMS} objects, not {len(chunk)}")
    if operation == BatchOperation.CREATE:
        missing = [o for o in chunk if natural_key_of(o) is None]
        if missing:
            raise ValueError(f"{len(missing)} object(s) lack a natural key; a lost answer could not be resolved")
    result = BatchResult()
    manager = BatchManager(operation, max_request_items=len(chunk))
    policy = qb.company.retry_policy
    for attempt in range(1, policy.max_attempts + 1):
        try:
            response = manager.process_batch(chunk, qb=qb)
        except UnknownOutcome:
            chunk = _unresolved(qb, operation, chunk, result)
            if not chunk:
                return result
            if attempt == policy.max_attempts:
                raise
            policy.sleep(policy.backoff(attempt))
            continue
        unanswered = _collect(response, chunk, result)
        if unanswered:
            chunk = _unresolved(qb, operation, unanswered, result)
            if chunk:
                if attempt == policy.max_attempts:
                    raise UnknownOutcome(f"QuickBooks' batch answer left out {len(chunk)} item(s)")
                continue
        return result
    raise AssertionError("unreachable")


def _unresolved(qb, operation: str, chunk: list, result: BatchResult) -> list:
    """Of a batch whose answer was lost, the objects QuickBooks does not hold yet (to send again); those
    it holds are added to `result` as succeeded."""
    remaining = []
    for obj in chunk:
        landed = _landed_create(qb, obj) if operation == BatchOperation.CREATE else _landed_update(qb, obj)
        if landed is None:
            remaining.append(obj)
        else:
            result.succeeded.append((obj, landed))
    return remaining


def _landed_create(qb, obj):
    existing = same_write_in_qbo(qb, obj, natural_key_of(obj))
    if existing is not None:
        obj.Id = existing.Id
    return existing


def _landed_update(qb, obj):
    current = type(obj).get(obj.Id, qb=qb)
    return current if str(current.SyncToken) != str(obj.SyncToken) else None


def _collect(response, chunk: list, result: BatchResult) -> list:
    """Sort QBO's per-item answers into `result`; the objects it did not answer for."""
    answered = set()
    successes = iter(response.successes)
    for item in response.batch_responses:
        original = item.get_object()
        answered.add(id(original))
        if item.Fault:
            first = item.Fault.Error[0] if item.Fault.Error else None
            error = classify_fault(
                getattr(first, "code", 0), getattr(first, "Message", item.Fault.type), getattr(first, "Detail", "")
            )
            result.failed.append(BatchFailure(original, error))
        else:
            created = next(successes)
            if getattr(created, "Id", None):
                original.Id = created.Id
            result.succeeded.append((original, created))
    return [obj for obj in chunk if id(obj) not in answered]
