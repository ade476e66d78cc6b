"""DataService queryData: Infusionsoft's matching rules over the account store.

- A plain value is a case-insensitive exact match; `%` (any run) and `_` (one
  character) make it a LIKE, on ints and dates too (dates read "YYYY-MM-DD HH:MM:SS").
- `~null~` matches an absent value (not ''); `~>~ ~>=~ ~<~ ~<=~ ~<>~` compare with
  `YYYY-MM-DD[ HH:MM:SS]` literals in account-local time (or numbers). An absent
  value never satisfies a comparison, as in SQL.
- An array is IN, only on the Id field and at most 1000 ids.
- Different fields are ANDed; there is no OR.
Paging is offset = page * limit with limit capped at 1000; with `orderBy` the
order is descending unless `ascending` is true; without it rows come in Id order.
Rows whose `orderBy` values tie come in a different order on each page, as
MySQL allows (a run of ties can straddle a page boundary unstably).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Callable, Iterable
from xmlrpc.client import DateTime

from .faults import api_fault, invalid_parameter
from .schema import DATETIME, DOUBLE, INT, PRIVATE_TABLES, TABLES, UNREADABLE
from .store import AccountStore

MAX_LIMIT = 1000
MAX_IN_IDS = 1000
_OPERATOR = re.compile(r"^~(>=|<=|<>|>|<|null)~\s*(.*)$", re.S)
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y%m%dT%H:%M:%S")

Predicate = Callable[[dict], bool]


def check_table(table: str) -> dict[str, str]:
    if table not in TABLES or table in PRIVATE_TABLES:
        raise api_fault("NoTableFound", f"No table found: {table}")
    return TABLES[table]


def check_field(table: str, field: str, reading: bool = True) -> str:
    columns = TABLES[table]
    if field not in columns:
        raise api_fault("NoFieldFound", f"No field found: {table}.{field}")
    if reading and (table, field) in UNREADABLE:
        raise api_fault("NoFieldAccess", f"No field access: {table}.{field}")
    return columns[field]


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


@lru_cache(maxsize=512)
def _like(pattern: str) -> re.Pattern:
    parts = []
    for ch in pattern:
        parts.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
    return re.compile("".join(parts), re.S | re.I)


def parse_date(text: str) -> datetime | None:
    text = text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            pass
    return None


def _literal(table: str, field: str, ftype: str, raw: Any) -> Any:
    """The query text as a value comparable with the stored column."""
    if isinstance(raw, DateTime):
        raw = datetime.strptime(raw.value, "%Y%m%dT%H:%M:%S")
    if ftype == DATETIME:
        if isinstance(raw, datetime):
            return raw
        parsed = parse_date(str(raw))
        if parsed is None:
            raise invalid_parameter(f"Invalid date for {table}.{field}: {raw}")
        return parsed
    if ftype in (INT, DOUBLE):
        if isinstance(raw, bool):
            return int(raw)
        try:
            return int(raw) if ftype == INT and not isinstance(raw, float) else Decimal(str(raw).strip())
        except (ValueError, InvalidOperation):
            raise invalid_parameter(f"Invalid number for {table}.{field}: {raw}") from None
    return str(raw).casefold()


def _compare(op: str, field: str, literal: Any, is_text: bool) -> Predicate:
    if is_text:
        def value(row):
            v = row.get(field)
            return None if v is None else str(v).casefold()
    else:
        def value(row):
            return row.get(field)
    if op == ">":
        return lambda row: (v := value(row)) is not None and v > literal
    if op == ">=":
        return lambda row: (v := value(row)) is not None and v >= literal
    if op == "<":
        return lambda row: (v := value(row)) is not None and v < literal
    if op == "<=":
        return lambda row: (v := value(row)) is not None and v <= literal
    return lambda row: (v := value(row)) is not None and v != literal


class CompiledQuery:
    def __init__(self, predicates: list[Predicate], candidate_ids: set[int] | None) -> None:
        self.predicates = predicates
        self.candidate_ids = candidate_ids  # None: every row is a candidate

    def matches(self, row: dict) -> bool:
        return all(p(row) for p in self.predicates)


def compile_query(store: AccountStore, table: str, query_data: dict) -> CompiledQuery:
    check_table(table)
    predicates: list[Predicate] = []
    candidates: set[int] | None = None

    def narrow(ids: Iterable[int]) -> None:
        nonlocal candidates
        ids = set(ids)
        candidates = ids if candidates is None else candidates & ids

    for field, raw in query_data.items():
        ftype = check_field(table, field, reading=False)
        if isinstance(raw, list):
            if field != "Id":
                raise invalid_parameter(f"IN queries are only supported on Id fields, not {table}.{field}")
            if len(raw) > MAX_IN_IDS:
                raise invalid_parameter(f"IN queries are limited to {MAX_IN_IDS} ids")
            narrow(_literal(table, field, INT, v) for v in raw)
            continue
        if isinstance(raw, dict):
            raise invalid_parameter(f"Invalid query value for {table}.{field}")
        if isinstance(raw, str):
            operator = _OPERATOR.match(raw.strip())
            if operator:
                op, rest = operator.groups()
                if op == "null":
                    predicates.append(lambda row, f=field: row.get(f) is None)
                else:
                    literal = _literal(table, field, ftype, rest)
                    predicates.append(_compare(op, field, literal, is_text=ftype not in (INT, DOUBLE, DATETIME)))
                continue
            if "%" in raw or "_" in raw:
                pattern = _like(raw)
                predicates.append(
                    lambda row, f=field, p=pattern: (v := row.get(f)) is not None and p.fullmatch(_text(v)) is not None
                )
                continue
        try:
            literal = _literal(table, field, ftype, raw)
        except Exception:
            if ftype in (INT, DOUBLE):  # a word compared with a number column matches nothing
                narrow(())
                continue
            raise
        if field == "Id":
            narrow([literal] if store.get(table, literal) is not None else [])
        elif ftype == INT and store.indexed(table, field):
            narrow(store.ids_where(table, field, literal))
        elif ftype in (INT, DOUBLE, DATETIME):
            predicates.append(lambda row, f=field, lit=literal: row.get(f) == lit)
        else:
            predicates.append(lambda row, f=field, lit=literal: (v := row.get(f)) is not None and str(v).casefold() == lit)
    return CompiledQuery(predicates, candidates)


def _order_key(field: str, is_text: bool):
    def key(row):
        v = row.get(field)
        if v is None:
            return (0, "")
        return (1, str(v).casefold() if is_text else v)
    return key


def find_rows(
    store: AccountStore, table: str, query_data: dict, limit: int, page: int,
    order_by: str | None = None, ascending: bool = True,
) -> list[dict]:
    """Matching live rows for one page (hold no reference past the store lock)."""
    if limit < 0 or page < 0:
        raise invalid_parameter("limit and page must not be negative")
    limit = min(limit, MAX_LIMIT)
    if limit == 0:
        return []
    if order_by is not None:
        ftype = check_field(table, order_by)
    query = compile_query(store, table, query_data)
    offset, end = page * limit, page * limit + limit
    rows = store.table(table)
    if query.candidate_ids is not None:
        source = [rows[i] for i in sorted(query.candidate_ids) if i in rows]
    else:
        source = rows.values()
    by_id = order_by in (None, "Id")
    if by_id and not ascending and order_by is not None:
        source = reversed(list(source))
    if by_id:
        found: list[dict] = []
        seen = 0
        for row in source:
            if query.matches(row):
                if seen >= offset:
                    found.append(row)
                    if len(found) == limit:
                        break
                seen += 1
        return found
    matched = [row for row in source if query.matches(row)]
    key = _order_key(order_by, ftype not in (INT, DOUBLE, DATETIME))
    # MySQL promises no order among rows with equal keys, and Keap's answers show it: each query may
    # list a run of ties differently, so offset paging by a non-unique key can skip or repeat rows
    # at a page boundary. Ties are shuffled here per page (reproducibly), so clients must cope.
    matched.sort(key=lambda row: (key(row), _tie_order(row, page)), reverse=not ascending)
    return matched[offset:end]


def _tie_order(row: dict, page: int) -> int:
    """A different, reproducible order of tied rows for every page asked."""
    return hash((int(row.get("Id") or 0), page))  # ints hash the same in every process


def count_rows(store: AccountStore, table: str, query_data: dict) -> int:
    query = compile_query(store, table, query_data)
    rows = store.table(table)
    source = (rows[i] for i in query.candidate_ids if i in rows) if query.candidate_ids is not None else rows.values()
    return sum(1 for row in source if query.matches(row))


def select(table: str, row: dict, fields: list[str]) -> dict:
    """Only the requested fields, leaving out absent values (as the API does)."""
    out = {}
    for field in fields:
        value = row.get(field)
        if value is not None:
            out[field] = value
    return out


def check_selected(table: str, fields: list) -> list[str]:
    if not fields:
        raise api_fault("NoFieldsError", "No fields were requested")
    for field in fields:
        if not isinstance(field, str):
            raise invalid_parameter("selectedFields must be strings")
        check_field(table, field)
    return fields
