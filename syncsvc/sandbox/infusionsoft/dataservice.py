"""DataService: query, count, findByField, load and getUserInfo."""

from __future__ import annotations

from .dispatch import CallContext, Registry
from .faults import api_fault
from .query import check_field, check_selected, check_table, count_rows, find_rows, select


def query(ctx: CallContext, table, limit, page, query_data, fields, order_by=None, ascending=False):
    check_table(table)
    fields = check_selected(table, fields)
    with ctx.store.lock:
        rows = find_rows(ctx.store, table, query_data, limit, page, order_by, ascending if order_by else True)
        return [select(table, row, fields) for row in rows]


def count(ctx: CallContext, table, query_data):
    with ctx.store.lock:
        return count_rows(ctx.store, table, query_data)


def find_by_field(ctx: CallContext, table, limit, page, field, value, fields):
    check_table(table)
    check_field(table, field, reading=False)
    return query(ctx, table, limit, page, {field: value}, fields)


def load(ctx: CallContext, table, record_id, fields):
    check_table(table)
    fields = check_selected(table, fields)
    with ctx.store.lock:
        row = ctx.store.get(table, record_id)
        if row is None:
            raise api_fault("RecordNotFound", "Record was not found")
        return select(table, row, fields)


def get_user_info(ctx: CallContext):
    return {
        "globalUserId": 1, "localUserId": 1, "appAlias": ctx.app_name,
        "appUrl": f"https://{ctx.app_name}.infusionsoft.com", "displayName": "Sandbox Admin",
        "casUsername": "admin@sandbox.example",
    }


METHODS: Registry = {
    "DataService.query": [("ssiima", query), ("ssiimasb", query)],
    "DataService.count": [("ssm", count)],
    "DataService.findByField": [("ssiissa", find_by_field), ("ssiisia", find_by_field)],
    "DataService.load": [("ssia", load)],
    "DataService.getUserInfo": [("", get_user_info)],
}
