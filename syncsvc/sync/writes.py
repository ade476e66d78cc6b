"""The QuickBooks writes an order's execution asks for, and how they are sent one at a time.

The executor (executor.py) runs an order's plan as a generator: at each create or update it yields a
`Create` or an `Update` and is sent back QuickBooks' copy, or has QuickBooks' fault raised where it
yielded. So the rules of what a fault means for the order (held, adopted, error) are written once, and
the sending is chosen by the caller: one request per write here (`run_alone`: requestids, a lost
answer resolved by natural key, writers.py), or many orders' writes in QuickBooks batches
(batched.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generator, TypeVar

from syncsvc.quickbooks import writers

T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class Create:
    obj: object  # a python-quickbooks object with its natural key set (DocNumber, PaymentRefNum, name)


@dataclass(frozen=True, eq=False)
class Update:
    obj: object  # Id and SyncToken set; sparse or full


Write = Create | Update
Steps = Generator[Write, object, T]


def send_alone(qb, request: Write, refusals: writers.RefusalLedger | None):
    """Send one write on its own; QuickBooks' copy of the object."""
    if isinstance(request, Create):
        return writers.create(qb, request.obj, refusals=refusals)
    return writers.update(qb, request.obj, refusals=refusals)


def run_alone(steps: Steps[T], qb, refusals: writers.RefusalLedger | None) -> T:
    """Run `steps` to the end, sending each write it asks for on its own; what `steps` returns."""
    answer, fault = None, None
    while True:
        try:
            request = steps.throw(fault) if fault is not None else steps.send(answer)
        except StopIteration as done:
            return done.value
        answer, fault = None, None
        try:
            answer = send_alone(qb, request, refusals)
        except Exception as exc:  # noqa: BLE001 - handed to the order's own rules, where it asked
            fault = exc
