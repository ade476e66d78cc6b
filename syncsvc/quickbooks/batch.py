"""Batch creates/updates through python-quickbooks' BatchManager, with per-item faults typed.

A batch carries up to 30 operations (QBO's documented maximum) and no
requestid (python-quickbooks' 36-character bIds exclude it), so a batch whose
outcome is unknown is resolved item by item: creates found by their natural
key are adopted, the rest are sent again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from quickbooks.batch import BatchManager
from quickbooks.objects.batchrequest import BatchOperation

from syncsvc.quickbooks.errors import QuickBooksFault, UnknownOutcome, classify_fault
from syncsvc.quickbooks.lookups import find_by_natural_key, natural_key_of


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
    if not 1 <= size <= 30:
        raise ValueError("batch_size must be 1..30")
    if operation == BatchOperation.CREATE:
        missing = [o for o in objects if natural_key_of(o) is None]
        if missing:
            raise ValueError(f"{len(missing)} object(s) lack a natural key; a lost answer could not be resolved")
    result = BatchResult()
    for start in range(0, len(objects), size):
        _run_chunk(qb, operation, list(objects[start:start + size]), result)
    return result


def _run_chunk(qb, operation: str, chunk: list, result: BatchResult) -> None:
    manager = BatchManager(operation, max_request_items=len(chunk))
    policy = qb.company.retry_policy
    for attempt in range(1, policy.max_attempts + 1):
        try:
            response = manager.process_batch(chunk, qb=qb)
        except UnknownOutcome:
            if attempt == policy.max_attempts or operation != BatchOperation.CREATE:
                raise
            chunk = _unresolved(qb, chunk, result)
            if not chunk:
                return
            policy.sleep(policy.backoff(attempt))
            continue
        _collect(response, result)
        return


def _unresolved(qb, chunk: list, result: BatchResult) -> list:
    remaining = []
    for obj in chunk:
        existing = find_by_natural_key(qb, type(obj), natural_key_of(obj))
        if existing is None:
            remaining.append(obj)
        else:
            obj.Id = existing.Id
            result.succeeded.append((obj, existing))
    return remaining


def _collect(response, result: BatchResult) -> None:
    successes = iter(response.successes)
    for item in response.batch_responses:
        original = item.get_object()
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
