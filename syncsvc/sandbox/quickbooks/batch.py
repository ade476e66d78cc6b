"""POST /company/{realm}/batch: up to 30 independent items, answered per bId.

Each item succeeds or fails on its own: a fault (6140 duplicate DocNumber, 6000 business validation such as an
overpayment, 2500 invalid reference, 6240 duplicate name, ...) is that item's answer, under its bId, and the
others are applied. More than 30 items refuse the whole request. A batch is never replayed by requestid (the
server runs it again), and it counts against both the 500-request and the 40-batch window (server.py).
"""

from __future__ import annotations

from typing import Callable

from .faults import QboFault, malformed_request
from .operations import ENTITY_BY_PATH, write
from .rules import WriteContext

MAX_BATCH_ITEMS = 30
ITEM_KEYS = {"bId", "operation", "optionsData", "Query"}
ENTITIES = set(ENTITY_BY_PATH.values())


def run_batch(ctx: WriteContext, body, run_query: Callable[[str], dict]) -> dict:
    items = body.get("BatchItemRequest") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise malformed_request("Property Name:BatchItemRequest is required and must be an array")
    if len(items) > MAX_BATCH_ITEMS:
        raise QboFault(2010, "Request has invalid or unsupported property",
                       f"Batch size exceeded: the maximum number of BatchItemRequest is {MAX_BATCH_ITEMS}, "
                       f"supplied {len(items)}")
    answers, created = [], set()
    for item in items:
        # Items are independent: what an earlier item of the same batch created is not there yet for this one
        # (QBO: "a newly created customer is not available for a subsequent invoice create operation within the
        # same batch"); a reference to it is an invalid reference (2500).
        answer = _one(WriteContext(_Unseen(ctx.company, frozenset(created)), ctx.now, ctx.include), item, run_query)
        created.update(_created(item, answer))
        answers.append(answer)
    return {"BatchItemResponse": answers}


class _Unseen:
    """The company as one batch item sees it: the records earlier items of its batch created are missing."""

    def __init__(self, company, hidden: frozenset) -> None:
        self._company = company
        self._hidden = hidden

    def get(self, entity: str, record_id):
        if (entity, str(record_id)) in self._hidden:
            return None
        return self._company.get(entity, record_id)

    def __getattr__(self, name):
        return getattr(self._company, name)


def _created(item, answer: dict) -> set[tuple[str, str]]:
    if not isinstance(item, dict) or (item.get("operation") or "create") != "create" or "Fault" in answer:
        return set()
    return {(entity, str(record["Id"])) for entity, record in answer.items()
            if entity in ENTITIES and isinstance(record, dict) and "Id" in record}


def _one(ctx: WriteContext, item, run_query) -> dict:
    bid = item.get("bId") if isinstance(item, dict) else None
    try:
        if not isinstance(item, dict):
            raise malformed_request("BatchItemRequest items must be objects")
        if "Query" in item:
            return {"QueryResponse": run_query(item["Query"]), "bId": bid}
        entities = [k for k in item if k not in ITEM_KEYS]
        if len(entities) != 1 or entities[0] not in ENTITIES:
            raise malformed_request(f"Property Name:{','.join(entities) or 'entity'} specified is unsupported or "
                                    "invalid")
        entity = entities[0]
        operation = item.get("operation") or "create"
        result = write(ctx, entity, item[entity], operation if operation != "create" else None)
        return {**result, "bId": bid}
    except QboFault as fault:
        return {"Fault": fault.envelope()["Fault"], "bId": bid}
