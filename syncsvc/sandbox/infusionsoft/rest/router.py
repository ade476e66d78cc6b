"""REST v2 paths -> operations (named by the contract's operationId) -> JSON bodies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from ..store import AccountStore
from . import projection
from .errors import RestError, not_found
from .listings import (
    CONTACTS, ORDER_PAYMENTS, ORDERS, PAYMENTS, PRODUCTS, TRANSACTIONS, Listing, PathParams, Query, order_view,
    run_listing,
)

PREFIX = "/crm/rest/v2"

Handler = Callable[[AccountStore, Query, PathParams], dict]


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: re.Pattern
    handler: Handler


def _listing(listing: Listing) -> Handler:
    return lambda store, query, path_params: run_listing(listing, store, query, path_params)


def _get_order(store: AccountStore, query: Query, path_params: PathParams) -> dict:
    with store.lock:
        return projection.order(order_view(store, path_params["order_id"]))


def _operation(operation_id: str, path: str, handler: Handler) -> Operation:
    return Operation(operation_id, "GET", re.compile(path), handler)


OPERATIONS = (
    _operation("listOrders", r"/orders", _listing(ORDERS)),
    _operation("getOrder", r"/orders/(?P<order_id>[^/]+)", _get_order),
    _operation("listOrderPayments", r"/orders/(?P<order_id>[^/]+)/payments", _listing(ORDER_PAYMENTS)),
    _operation("listPayments", r"/sales/payments", _listing(PAYMENTS)),
    _operation("listTransactions", r"/sales/transactions", _listing(TRANSACTIONS)),
    _operation("listContacts", r"/contacts", _listing(CONTACTS)),
    _operation("listProducts", r"/products", _listing(PRODUCTS)),
)
OPERATION_IDS = frozenset(operation.operation_id for operation in OPERATIONS)


def is_rest_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def resolve(method: str, path: str) -> tuple[Operation, dict[str, str]]:
    """The operation for a request, with its path parameters; 404 for an unknown path,
    501 for a method the sandbox does not implement on a known one."""
    relative = path[len(PREFIX):].rstrip("/") or "/"
    served_here = []
    for operation in OPERATIONS:
        match = operation.path.fullmatch(relative)
        if match is None:
            continue
        if operation.method == method:
            return operation, match.groupdict()
        served_here.append(operation)
    if served_here:
        raise RestError(501, f"The sandbox does not implement {method} {PREFIX}{relative}")
    raise not_found(f"No REST v2 resource at {path}")
