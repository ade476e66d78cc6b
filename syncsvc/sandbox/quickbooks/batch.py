"""POST /company/{realm}/batch: up to 30 independent items, answered per bId."""

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
    return {"BatchItemResponse": [_one(ctx, item, run_query) for item in items]}


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
