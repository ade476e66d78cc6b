"""Compact maps for what RestOrderSource keeps for a whole run: something for every order and payment read.

A backfill reads every order and payment of the account in its scans, and the
source keeps, for the rest of the run, each order's invoice id (and the
reverse) and what the transactions say about each payment. As dicts of ints
and strings that costs about 100 bytes an entry for each invoice map and 130
for the transactions: some 35 MB at 100,000 orders, kept to the end. These hold
the same in about 16 bytes an entry (a map of ids) and 16 bytes plus the
reference's own bytes (the transactions).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from typing import Iterable

from syncsvc.infusionsoft.rest.references import PaymentTransactions

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _fits(value: int) -> bool:
    return _INT64_MIN <= value <= _INT64_MAX


class IntMap:
    """int -> int, the value set last for a key winning: two sorted arrays of 64-bit integers (16 bytes an
    entry) and a dict of the keys set since, merged into the arrays once it holds an eighth as many (at
    least MERGE_AT). A key or value beyond 64 bits stays in a dict of its own."""

    MERGE_AT = 4096

    def __init__(self, items: Iterable[tuple[int, int]] = ()) -> None:
        self._keys = array("q")
        self._values = array("q")
        self._recent: dict[int, int] = {}
        self._wide: dict[int, int] = {}  # keys or values that do not fit in 64 bits
        for key, value in items:
            self[key] = value

    def __setitem__(self, key: int, value: int) -> None:
        self._recent[key] = value
        if len(self._recent) >= max(self.MERGE_AT, len(self._keys) // 8):
            self._merge()

    def get(self, key: int, default: int | None = None) -> int | None:
        value = self._recent.get(key)
        if value is not None:
            return value
        value = self._wide.get(key)
        if value is not None:
            return value
        if not _fits(key):
            return default
        index = bisect_left(self._keys, key)
        if index < len(self._keys) and self._keys[index] == key:
            return self._values[index]
        return default

    def __getitem__(self, key: int) -> int:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, int) and self.get(key) is not None

    def __len__(self) -> int:
        self._merge()
        return len(self._keys) + len(self._wide)

    def _merge(self) -> None:
        """The recent keys into the arrays (C-level copies between them: a Python step per recent key only)."""
        if not self._recent:
            return
        keys, values = self._keys, self._values
        merged_keys, merged_values = array("q"), array("q")
        taken = 0
        for key, value in sorted(self._recent.items()):
            if not _fits(key):
                self._wide[key] = value
                continue
            index = bisect_left(keys, key, taken)
            merged_keys.extend(keys[taken:index])
            merged_values.extend(values[taken:index])
            taken = index + 1 if index < len(keys) and keys[index] == key else index  # the old value goes
            if _fits(value):
                merged_keys.append(key)
                merged_values.append(value)
                self._wide.pop(key, None)
            else:
                self._wide[key] = value
        merged_keys.extend(keys[taken:])
        merged_values.extend(values[taken:])
        self._keys, self._values, self._recent = merged_keys, merged_values, {}


class TransactionsByPayment:
    """payment id (as Keap spells it) -> references.PaymentTransactions, for each payment whose transactions
    were read. A payment id in plain decimal (as Keap's are) is kept as an integer in an IntMap whose value
    says where the capture reference's UTF-8 bytes lie in one bytearray, and whether the payment was
    reversed; any other id, or a reference over 64 KB, in a dict as it came. `get` answers as the dict of
    PaymentTransactions it replaces did (a new, equal PaymentTransactions each time)."""

    _SIZE_BITS = 16  # a reference's length + 1 (0: no reference), below the reversal bit
    _NO_REFERENCE = 0

    def __init__(self) -> None:
        self._codes = IntMap()
        self._text = bytearray()
        self._other: dict[str, PaymentTransactions] = {}

    def __setitem__(self, payment_id: str, found: PaymentTransactions) -> None:
        key = _decimal_id(payment_id)
        encoded = found.capture_reference.encode() if found.capture_reference is not None else None
        if key is None or (encoded is not None and len(encoded) + 1 >= 1 << self._SIZE_BITS):
            self._other[payment_id] = found
            if key is not None:
                self._codes[key] = -1  # a later lookup goes to _other
            return
        if self.get(payment_id) == found:
            return  # read again in an overlapping window: nothing new to keep
        self._other.pop(payment_id, None)
        start = len(self._text)
        size = self._NO_REFERENCE
        if encoded is not None:
            self._text += encoded
            size = len(encoded) + 1
        self._codes[key] = (start << (self._SIZE_BITS + 1)) | (size << 1) | int(found.reversal)

    def get(self, payment_id: str, default: PaymentTransactions | None = None) -> PaymentTransactions | None:
        key = _decimal_id(payment_id)
        code = self._codes.get(key) if key is not None else None
        if code is None or code < 0:
            return self._other.get(payment_id, default)
        size = (code >> 1) & ((1 << self._SIZE_BITS) - 1)
        start = code >> (self._SIZE_BITS + 1)
        reference = None if size == self._NO_REFERENCE else self._text[start:start + size - 1].decode()
        return PaymentTransactions(reference, bool(code & 1))

    def __getitem__(self, payment_id: str) -> PaymentTransactions:
        found = self.get(payment_id)
        if found is None:
            raise KeyError(payment_id)
        return found

    def __contains__(self, payment_id: object) -> bool:
        return isinstance(payment_id, str) and self.get(payment_id) is not None


def _decimal_id(text: str) -> int | None:
    """The id as an int when `text` spells it canonically in ASCII decimal (no sign, no leading zero), so
    that str(int) gives `text` back; else None."""
    if not (text.isascii() and text.isdigit()) or (len(text) > 1 and text[0] == "0"):
        return None
    value = int(text)
    return value if value <= _INT64_MAX else None


__all__ = ["IntMap", "TransactionsByPayment"]
