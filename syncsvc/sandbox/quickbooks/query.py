"""QBO's query language: parse `SELECT ... FROM Entity [WHERE ...] [ORDER BY ...] [STARTPOSITION n] [MAXRESULTS n]`.

Supported as QBO documents it: `*`, `COUNT(*)`, `*, Sku` and field lists; WHERE
conditions `= < > <= >= != IN LIKE` joined by AND (OR is refused); LIKE with `%`
only; strings in single quotes with backslash escapes (`\\'`, `\\\\`); `true`/
`false` in any case; both `ORDER BY` and `ORDERBY` with ASC/DESC; 1-based
STARTPOSITION; MAXRESULTS capped at 1000 (default 100). Entity names are case
sensitive. String comparisons ignore case, as QBO's do.

Only the properties below can be filtered or sorted on (QBO refuses others);
notably addresses (BillAddr.City) and phone numbers are not filterable, so
matching on them must happen client-side.

Inactive records of the name lists (customers, vendors, employees, items,
accounts, payment methods, tax codes) are left out of every query, COUNT(*)
and batch query included, unless the query has a condition on `Active`, as on
QBO: `WHERE Active = false` finds only inactive ones, `WHERE Active IN (true,
false)` finds both. Reading one by Id (GET) still returns it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from .company import INDEXED_FIELDS
from .faults import invalid_query, parse_error
from .wire import BadAmount, parse_date, parse_datetime, to_decimal

META = {"MetaData.CreateTime", "MetaData.LastUpdatedTime"}
FILTERABLE = {
    "Customer": {"Id", "DisplayName", "GivenName", "MiddleName", "FamilyName", "CompanyName", "FullyQualifiedName",
                 "PrimaryEmailAddr", "Active", "Balance", "Job", "ParentRef"} | META,
    "Vendor": {"Id", "DisplayName", "GivenName", "MiddleName", "FamilyName", "CompanyName", "PrimaryEmailAddr",
               "Active", "Balance"} | META,
    "Employee": {"Id", "DisplayName", "GivenName", "MiddleName", "FamilyName", "PrimaryEmailAddr", "Active",
                 "EmployeeNumber"} | META,
    "Item": {"Id", "Name", "Sku", "Type", "Active", "FullyQualifiedName", "ParentRef", "QtyOnHand",
             "UnitPrice"} | META,
    "Account": {"Id", "Name", "AccountType", "AccountSubType", "Classification", "Active", "AcctNum",
                "FullyQualifiedName", "CurrentBalance"} | META,
    "PaymentMethod": {"Id", "Name", "Type", "Active"} | META,
    "TaxCode": {"Id", "Name", "Active", "Taxable"} | META,
    "Invoice": {"Id", "DocNumber", "TxnDate", "DueDate", "CustomerRef", "TotalAmt", "Balance"} | META,
    "SalesReceipt": {"Id", "DocNumber", "TxnDate", "CustomerRef", "TotalAmt", "PaymentRefNum"} | META,
    "Payment": {"Id", "TxnDate", "CustomerRef", "TotalAmt", "PaymentRefNum", "UnappliedAmt"} | META,
    "RefundReceipt": {"Id", "DocNumber", "TxnDate", "CustomerRef", "TotalAmt", "PaymentRefNum"} | META,
    "CreditMemo": {"Id", "DocNumber", "TxnDate", "CustomerRef", "TotalAmt", "Balance", "RemainingCredit"} | META,
    "CompanyInfo": {"Id"} | META,
    "Preferences": {"Id"} | META,
}
DATE_FIELDS = {"TxnDate", "DueDate"}
# Entities whose inactive records a query leaves out unless it filters on Active.
NAME_LISTS = {"Customer", "Vendor", "Employee", "Item", "Account", "PaymentMethod", "TaxCode"}
MAX_RESULTS_LIMIT = 1000
DEFAULT_MAX_RESULTS = 100

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>'(?:\\.|[^'\\])*')
  | (?P<number>-?\d+(?:\.\d+)?(?![A-Za-z_]))
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),*])
  | (?P<ident>[A-Za-z_][A-Za-z0-9_.]*)
""", re.VERBOSE)
KEYWORDS = {"select", "from", "where", "and", "or", "in", "like", "order", "orderby", "by", "asc", "desc",
            "startposition", "maxresults", "count", "iterator"}


@dataclass
class Token:
    kind: str  # keyword, ident, string, number, op, punct, eof
    text: str
    column: int
    value: object = None


@dataclass
class Condition:
    path: str
    op: str
    values: list


@dataclass
class Query:
    entity: str
    count: bool = False
    fields: list[str] | None = None  # None means every property
    conditions: list[Condition] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (path, descending)
    start: int = 1
    max_results: int = DEFAULT_MAX_RESULTS


def _unescape(body: str) -> str:
    return re.sub(r"\\(.)", r"\1", body)


def tokenize(text: str) -> list[Token]:
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise parse_error(f'Lexical error at line 1, column {pos + 1}.  Encountered: "{text[pos]}"')
        kind, raw = match.lastgroup, match.group()
        pos = match.end()
        if kind == "ws":
            continue
        column = match.start() + 1
        if kind == "string":
            tokens.append(Token("string", raw, column, _unescape(raw[1:-1])))
        elif kind == "ident" and raw.lower() in KEYWORDS:
            tokens.append(Token("keyword", raw, column, raw.lower()))
        else:
            tokens.append(Token(kind, raw, column, raw))
    tokens.append(Token("eof", "<EOF>", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def fail(self, expected: str):
        token = self.peek()
        raise parse_error(f'Encountered " <{token.kind.upper()}> "{token.text} "" at line 1, column {token.column}.'
                          f"\nWas expecting one of:\n    {expected}")

    def keyword(self, *words: str) -> str | None:
        token = self.peek()
        if token.kind == "keyword" and token.value in words:
            self.pos += 1
            return token.value
        return None

    def expect_keyword(self, *words: str) -> str:
        found = self.keyword(*words)
        if found is None:
            self.fail(" ".join(f'"{w}"' for w in words))
        return found

    def punct(self, char: str) -> bool:
        token = self.peek()
        if token.kind == "punct" and token.text == char:
            self.pos += 1
            return True
        return False

    def ident(self) -> str:
        token = self.peek()
        if token.kind != "ident":
            self.fail("<IDENTIFIER>")
        self.pos += 1
        return token.text

    def integer(self) -> int:
        token = self.peek()
        if token.kind != "number" or "." in token.text:
            self.fail("<INTEGER>")
        self.pos += 1
        return int(token.text)

    def parse(self) -> Query:
        self.expect_keyword("select")
        count, fields = False, None
        if self.keyword("count"):
            if not (self.punct("(") and self.punct("*") and self.punct(")")):
                self.fail('"(*)"')
            count = True
        elif self.punct("*"):
            while self.punct(","):
                self.ident()  # "*, Sku": the extra fields are already in "*"
        else:
            fields = [self.ident()]
            while self.punct(","):
                fields.append(self.ident())
        self.expect_keyword("from")
        query = Query(entity=self.ident(), count=count, fields=fields)
        if self.keyword("where"):
            query.conditions.append(self.condition())
            while True:
                if self.keyword("or"):
                    raise invalid_query("OR operation is not supported")
                if not self.keyword("and"):
                    break
                query.conditions.append(self.condition())
        self.tail(query)
        if self.peek().kind != "eof":
            self.fail('<EOF> <AND> "iterator" "maxresults" "order" "orderby" "startposition"')
        return query

    def tail(self, query: Query) -> None:
        while True:
            word = self.keyword("order", "orderby", "startposition", "maxresults")
            if word is None:
                return
            if word == "order":
                self.expect_keyword("by")
            if word in ("order", "orderby"):
                query.order.append(self.order_item())
                while self.punct(","):
                    query.order.append(self.order_item())
            elif word == "startposition":
                query.start = max(1, self.integer())
            else:
                query.max_results = self.integer()

    def order_item(self) -> tuple[str, bool]:
        path = self.ident()
        direction = self.keyword("asc", "desc")
        return path, direction == "desc"

    def condition(self) -> Condition:
        path = self.ident()
        if self.keyword("in"):
            if not self.punct("("):
                self.fail('"("')
            values = [self.literal()]
            while self.punct(","):
                values.append(self.literal())
            if not self.punct(")"):
                self.fail('")"')
            return Condition(path, "in", values)
        if self.keyword("like"):
            token = self.peek()
            if token.kind != "string":
                self.fail("<STRING>")
            self.pos += 1
            return Condition(path, "like", [token.value])
        token = self.peek()
        if token.kind != "op":
            self.fail('"=" "<" ">" "<=" ">=" "in" "like"')
        self.pos += 1
        op = "!=" if token.text == "<>" else token.text
        return Condition(path, op, [self.literal()])

    def literal(self):
        token = self.take()
        if token.kind in ("string", "number"):
            return token.value
        if token.kind == "ident" and token.text.lower() in ("true", "false"):
            return token.text.lower() == "true"
        self.pos -= 1
        self.fail("<STRING> <NUMBER> <BOOLEAN>")


def parse(text: str) -> Query:
    return _Parser(text).parse()


# evaluation ---------------------------------------------------------------

def _lookup(record: dict, path: str):
    value = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    if isinstance(value, dict):  # Refs compare by id, email by address
        value = value.get("value", value.get("Address"))
    return value


def _coerce(path: str, stored, literal):
    """Bring a stored value and a query literal to one comparable type."""
    try:
        if path in META:
            return parse_datetime(str(stored)), parse_datetime(str(literal))
        if path in DATE_FIELDS:
            return parse_date(str(stored)), parse_date(str(literal))
        if isinstance(stored, bool):
            return stored, literal if isinstance(literal, bool) else str(literal).lower() == "true"
        if isinstance(stored, (Decimal, int)):
            return Decimal(stored), to_decimal(literal)
    except (ValueError, BadAmount):
        raise invalid_query(f"invalid value {literal!r} for property {path}")
    return str(stored).casefold(), str(literal).casefold()


def _like(stored, pattern: str) -> bool:
    regex = ".*".join(re.escape(part) for part in pattern.split("%"))
    return re.fullmatch(regex, str(stored), re.IGNORECASE | re.DOTALL) is not None


_COMPARE = {"=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
            ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}


def _matcher(condition: Condition):
    """A predicate on records for `condition`. IN coerces its literals once per stored type, into a set,
    so a 1,000-value IN over 100,000 records costs one lookup per record, not a thousand comparisons."""
    in_sets: dict[type, set] = {}

    def matches(record: dict) -> bool:
        stored = _lookup(record, condition.path)
        if stored is None:
            return False
        if condition.op == "like":
            return _like(stored, str(condition.values[0]))
        if condition.op == "in":
            key = _coerce(condition.path, stored, condition.values[0])[0]
            wanted = in_sets.get(type(key))
            if wanted is None:
                wanted = in_sets[type(key)] = {_coerce(condition.path, stored, v)[1] for v in condition.values}
            return key in wanted
        return _COMPARE[condition.op](*_coerce(condition.path, stored, condition.values[0]))
    return matches


def _sort_key(path: str):
    def key(record: dict):
        value = _lookup(record, path)
        if value is None:
            return (1, "")
        if path in META:
            return (0, parse_datetime(str(value)))
        if path == "Id" and str(value).isdigit():
            return (0, int(value))
        if isinstance(value, (Decimal, int, bool, date, datetime)):
            return (0, value)
        return (0, str(value).casefold())
    return key


def validate(query: Query, entities: set[str]) -> None:
    if query.entity not in entities:
        raise invalid_query(f"invalid context declaration: {query.entity}")
    allowed = FILTERABLE.get(query.entity, {"Id"})
    for path in [c.path for c in query.conditions] + [p for p, _ in query.order]:
        if path not in allowed:
            raise invalid_query(f"property '{path}' is not queryable")
    if query.max_results < 1:
        raise invalid_query("MAXRESULTS must be greater than 0")


def candidates(query: Query, company) -> list[dict]:
    """The records `run` must look at, in Id order: those an `=` or IN condition on an indexed field
    (company.INDEXED_FIELDS: names, DocNumber, refs, emails) names, read off the company's
    index, else every record of the entity. The index keys values as `_coerce` compares text (casefolded
    str), and these fields only ever hold text, so the condition, still tested by `run`, keeps the same
    records: a bulk read of a 100,000-invoice company costs what it finds, not a scan and a sort."""
    for condition in query.conditions:
        if condition.op in ("=", "in") and condition.path in INDEXED_FIELDS:
            return company.having_any(query.entity, condition.path, condition.values)
    return company.all(query.entity)


def run(query: Query, records: list[dict]) -> dict:
    """The QueryResponse object for `query` over `records` (already in Id order)."""
    matchers = [_matcher(c) for c in query.conditions]
    if query.entity in NAME_LISTS and not any(c.path == "Active" for c in query.conditions):
        matchers.append(lambda record: record.get("Active") is not False)
    selected = [r for r in records if all(match(r) for match in matchers)]
    if query.count:
        return {"totalCount": len(selected)}
    for path, descending in reversed(query.order):
        selected.sort(key=_sort_key(path), reverse=descending)
    limit = min(query.max_results, MAX_RESULTS_LIMIT)
    page = selected[query.start - 1: query.start - 1 + limit]
    if not page:
        return {}
    if query.fields is not None:
        keep = set(query.fields) | {"Id", "domain", "sparse"}
        page = [{k: v for k, v in r.items() if k in keep} for r in page]
    return {query.entity: page, "startPosition": query.start, "maxResults": len(page)}

