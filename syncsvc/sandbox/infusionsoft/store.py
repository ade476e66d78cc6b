"""The sandbox account: an in-memory, thread-safe set of Infusionsoft tables.

Rows are dicts keyed by the real field names; money is Decimal, datetimes are
naive in the account's zone (what the API puts on the wire), an absent value is
None and is left out of API answers. Every table has its own id sequence. The
Job sequence behaves like a MySQL auto-increment recomputed as max(Id)+1 (what
InnoDB does on restart): deleting the newest order frees its Job id for the
next order while the Invoice sequence moves on, so order ids and invoice ids
drift apart after deletions, as they do in real accounts (seed 003).

All writes that keep invoice totals consistent live in `billing`; this module
only stores, indexes and hands out ids, plus a few seeding helpers.

Every write goes through insert, update, delete or touch, and each moves its
table's `version`: whatever is derived from a table and kept between reads
(the REST face's sorted listings) is valid while the version it was built at
holds. Rows handed out by `get`, `find` and `table` are live: never write them.
"""

from __future__ import annotations

import random
import string
import threading
from contextlib import contextmanager
from datetime import datetime, timezone as dt_timezone
from decimal import Decimal
from typing import Any, Callable, Iterator
from zoneinfo import ZoneInfo

from .schema import LAST_UPDATED_TABLES, PRIVATE_TABLES, TABLES

APPROVE_CARD = "4111111111111111"
DECLINE_CARD = "4000000000000002"

# Foreign keys the billing code and equality queries look up by value.
INDEXED = {
    ("Invoice", "JobId"), ("Invoice", "ContactId"), ("Job", "ContactId"), ("Job", "JobRecurringId"),
    ("InvoiceItem", "InvoiceId"), ("OrderItem", "OrderId"), ("InvoicePayment", "InvoiceId"),
    ("InvoicePayment", "PaymentId"), ("Payment", "InvoiceId"), ("Payment", "ContactId"),
    ("CCharge", "PaymentId"), ("PayPlan", "InvoiceId"), ("PayPlanItem", "PayPlanId"),
    ("CreditCard", "ContactId"), ("RecurringOrder", "ContactId"),
}

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(dt_timezone.utc)


def to_money(value: Any) -> Decimal:
    """Decimal from Decimal/str/int/float (floats via their shortest repr: 5.06, not 5.0599...)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


def card_type(number: str) -> str:
    if number.startswith("4"):
        return "Visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or number.startswith("2"):
        return "MasterCard"
    if number[:2] in {"34", "37"}:
        return "American Express"
    if number.startswith("6"):
        return "Discover"
    return "Unknown"


class AccountStore:
    def __init__(self, timezone: str = "America/New_York", clock: Clock | None = None, seed: int = 0) -> None:
        self.zone = ZoneInfo(timezone)
        self.timezone_name = timezone
        self._clock: Clock = clock or utc_now
        self._frozen: datetime | None = None
        self.lock = threading.RLock()
        self._tables: dict[str, dict[int, dict]] = {name: {} for name in (*TABLES, *PRIVATE_TABLES)}
        self._next_id: dict[str, int] = {name: 1 for name in self._tables}
        self._versions: dict[str, int] = {name: 0 for name in self._tables}
        self._index: dict[tuple[str, str], dict[Any, set[int]]] = {key: {} for key in INDEXED}
        self.rng = random.Random(seed)
        self._ref_nums: set[str] = set()
        # None: recalculateTax leaves tax lines alone; a Decimal rate makes it rebuild them.
        self.tax_rate: Decimal | None = None

    # --- time ---------------------------------------------------------------

    def set_clock(self, clock: Clock) -> None:
        self._clock = clock

    def now(self) -> datetime:
        """Account-local naive now, to the second (the API's resolution)."""
        if self._frozen is not None:
            return self._frozen
        return self.to_local(self._clock())

    def aware_now(self) -> datetime:
        return self.now().replace(tzinfo=self.zone)

    def to_local(self, moment: datetime) -> datetime:
        """Any datetime as account-local naive; naive input is taken as already local."""
        if moment.tzinfo is not None:
            moment = moment.astimezone(self.zone).replace(tzinfo=None)
        return moment.replace(microsecond=0)

    @contextmanager
    def frozen_at(self, moment: datetime) -> Iterator[None]:
        """Run writes as if it were `moment` (the generator replays history this way)."""
        with self.lock:
            previous = self._frozen
            self._frozen = self.to_local(moment)
            try:
                yield
            finally:
                self._frozen = previous

    def reseed(self, seed: int) -> None:
        self.rng.seed(seed)

    # --- rows ---------------------------------------------------------------

    def _allocate_id(self, table: str) -> int:
        if table == "Job":
            rows = self._tables["Job"]
            # Ids are inserted in increasing order, so the last key is the max.
            return (next(reversed(rows)) + 1) if rows else self._next_id["Job"]
        new_id = self._next_id[table]
        self._next_id[table] = new_id + 1
        return new_id

    def insert(self, table: str, fields: dict) -> int:
        with self.lock:
            row_id = self._allocate_id(table)
            row = {"Id": row_id, **fields}
            if table in LAST_UPDATED_TABLES:
                row.setdefault("LastUpdated", self.now())
            self._tables[table][row_id] = row
            self._versions[table] += 1
            for (t, field), index in self._index.items():
                if t == table and row.get(field) is not None:
                    index.setdefault(row[field], set()).add(row_id)
            return row_id

    def update(self, table: str, row_id: int, **fields) -> dict:
        with self.lock:
            row = self._tables[table][row_id]
            self._versions[table] += 1
            for field, value in fields.items():
                key = (table, field)
                if key in self._index:
                    old = row.get(field)
                    if old is not None:
                        self._index[key].get(old, set()).discard(row_id)
                    if value is not None:
                        self._index[key].setdefault(value, set()).add(row_id)
                row[field] = value
            return row

    def delete(self, table: str, row_id: int) -> None:
        with self.lock:
            row = self._tables[table].pop(row_id, None)
            if row is None:
                return
            self._versions[table] += 1
            for (t, field), index in self._index.items():
                if t == table and row.get(field) is not None:
                    index.get(row[field], set()).discard(row_id)

    def get(self, table: str, row_id: int) -> dict | None:
        """The live row (callers inside the package only; mutate through `update`)."""
        return self._tables[table].get(row_id)

    def find(self, table: str, field: str, value: Any) -> list[dict]:
        """Live rows whose `field` equals `value`, in Id order."""
        with self.lock:
            rows = self._tables[table]
            index = self._index.get((table, field))
            if index is not None:
                return [rows[i] for i in sorted(index.get(value, ()))]
            return [row for row in rows.values() if row.get(field) == value]

    def table(self, table: str) -> dict[int, dict]:
        """The live Id -> row mapping, in Id order (hold `lock` while iterating)."""
        return self._tables[table]

    def indexed(self, table: str, field: str) -> bool:
        return (table, field) in self._index

    def ids_where(self, table: str, field: str, value: Any) -> set[int]:
        return set(self._index[(table, field)].get(value, ()))

    def rows(self, table: str, **equal) -> list[dict]:
        """Copies of a table's rows (optionally those whose fields equal the given values)."""
        with self.lock:
            if equal:
                field, value = next(iter(equal.items()))
                candidates = self.find(table, field, value)
            else:
                candidates = list(self._tables[table].values())
            return [dict(r) for r in candidates if all(r.get(f) == v for f, v in equal.items())]

    def count(self, table: str) -> int:
        return len(self._tables[table])

    def touch(self, table: str, row_id: int) -> None:
        with self.lock:
            if table in LAST_UPDATED_TABLES and row_id in self._tables[table]:
                self._tables[table][row_id]["LastUpdated"] = self.now()
                self._versions[table] += 1

    def version(self, table: str) -> int:
        """How many writes `table` has taken: equal versions, equal rows."""
        return self._versions[table]

    # --- merchant numbers ---------------------------------------------------

    def new_ref_num(self) -> str:
        """A unique merchant transaction reference, like a gateway's transaction id."""
        while True:
            ref = str(self.rng.randrange(10**9, 10**10))
            if ref not in self._ref_nums:
                self._ref_nums.add(ref)
                return ref

    def new_approval_code(self) -> str:
        return "".join(self.rng.choice(string.ascii_uppercase + string.digits) for _ in range(6))

    # --- seeding helpers ----------------------------------------------------

    def add_contact(self, **fields) -> int:
        now = self.now()
        fields.setdefault("DateCreated", now)
        fields.setdefault("LastUpdated", now)
        fields.setdefault("LastUpdatedBy", 1)
        return self.insert("Contact", fields)

    def add_product(self, **fields) -> int:
        fields["ProductPrice"] = to_money(fields.get("ProductPrice", 0))
        fields.setdefault("ProductName", "")
        fields.setdefault("Sku", "")
        fields.setdefault("Taxable", 0)
        fields.setdefault("Status", 1)
        fields.setdefault("Shippable", 0)
        return self.insert("Product", fields)

    def add_credit_card(self, contact_id: int, number: str = APPROVE_CARD, **fields) -> int:
        with self.lock:
            contact = self.get("Contact", contact_id) or {}
            fields.setdefault("FirstName", contact.get("FirstName", ""))
            fields.setdefault("LastName", contact.get("LastName", ""))
            fields.setdefault("NameOnCard", f"{fields['FirstName']} {fields['LastName']}".strip())
            fields.setdefault("ExpirationMonth", "12")
            fields.setdefault("ExpirationYear", str(self.now().year + 3))
            fields.setdefault("CVV2", "123")
            fields.setdefault("Status", 3)  # 3 = OK in Infusionsoft's card statuses
            return self.insert(
                "CreditCard",
                {"ContactId": contact_id, "CardNumber": number, "Last4": number[-4:],
                 "CardType": fields.pop("CardType", card_type(number)), **fields},
            )

    def add_subscription_plan(self, product_id: int, price: Any, cycle: str = "2", frequency: int = 1, **fields) -> int:
        """A SubscriptionPlan; cycle "1" year, "2" month, "3" week, "6" day (RecurringOrder.BillingCycle codes)."""
        return self.insert(
            "SubscriptionPlan",
            {"ProductId": product_id, "PlanPrice": to_money(price), "Cycle": cycle, "Frequency": frequency,
             "Active": 1, "Prorate": 0, "PreAuthorizeAmount": Decimal("0"), **fields},
        )
