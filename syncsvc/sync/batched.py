"""Many orders' writes in QuickBooks batch requests.

The orders of a read batch run side by side, each as the generator of its writes
(`PlanExecutor.steps`, writes.py). Each round, every order in hand asks for its
next write. Up to [quickbooks].batch_size of them (of one operation: python-
quickbooks sends one per batch) go out as one QBO batch request, and each answer
or per-item fault goes back to its own order, where the executor's rules for a
single write apply unchanged: a 6140 has the DocNumber looked up and the order
held or the document adopted, a 6000 on a payment is checked against the
invoice's balance and held, any other fault is that order's error. The rest of
the batch posts.

QBO allows 40 batch requests a minute (we keep to batch_requests_per_minute) and
500 requests. In a backfill the batch requests run out first, and QBO requests
per document are what a company is metered on, so each round sends one batch of
up to 30 writes and nothing beside it: a write beside a batch would cost a whole
request where in the next batch it costs a thirtieth of one, and gain a
thirtieth of a batch slot. A third more orders than a batch holds are in hand,
so the batch still fills while some of them wait for a claim (below); their
writes not in this round's batch wait for the next. A write alone goes by
itself, not as a batch of one.

Orders in hand never create the same thing: an order that would create a
customer for a contact, or one a later contact would match the same way (the
same email, given and family name, or company and city), a customer or item of
a name, or post under a payment reference that an order in hand is creating
waits, and is then planned again (finding what the other created). It waits
until QuickBooks has answered that customer's or item's create (`released`),
or for a payment reference until that order is done. Orders waiting for the
same customer take their turns in order; for an item the order does not matter.
So the books come out as if the orders were posted one by one, in far fewer
requests.

No database transaction is open while a batch is out: each order's unit of work
commits each write it records (`StateStore.order_unit`) and ends its read
transaction before the round's requests are sent.

A stop (SIGTERM) is heard between rounds: the answers of the last round are
recorded, then the orders in hand stop where they are (the next run carries on
from what is recorded), as when a stop comes during a client's wait.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Callable

from quickbooks.objects.batchrequest import BatchOperation
from quickbooks.objects.customer import Customer
from quickbooks.objects.item import Item

from syncsvc.engine.actions import CreateCustomer, CreateItem, CreatePayment, CreateSalesReceipt
from syncsvc.engine.plan import OrderBundle, OrderPlan
from syncsvc.infusionsoft.errors import InfusionsoftActionRequired
from syncsvc.quickbooks import writers
from syncsvc.quickbooks.batch import send_batch
from syncsvc.quickbooks.errors import QuickBooksReconnectRequired
from syncsvc.stopping import Stopped
from syncsvc.store.state import LeaseLost, StateStore, UnitOfWork
from syncsvc.sync.writes import Create, Steps, Write, send_alone

log = logging.getLogger(__name__)

# Stop the whole run, not one order: the connection paused, Keap wants action, the lease lost, a stop.
RUN_STOPPERS = (QuickBooksReconnectRequired, InfusionsoftActionRequired, LeaseLost, Stopped)

# begin(bundle, uow) -> (plan, what the caller needs back at the end, the order's steps)
Begin = Callable[[OrderBundle, UnitOfWork], tuple[OrderPlan, object, Steps]]
Finish = Callable[[OrderBundle, OrderPlan, object, object], None]  # (bundle, plan, context, outcome)
Fail = Callable[[OrderBundle, Exception], None]


def claims(plan: OrderPlan) -> frozenset[tuple[str, str]]:
    """What the plan creates that another order in hand must not create at the same time."""
    taken: set[tuple[str, str]] = set()
    for action in plan.actions:
        if isinstance(action, CreateCustomer):
            # Everything a later contact could be matched to this customer by (engine/customers.py): had
            # two such contacts' customers been created at once, a third would find both (ambiguous).
            draft = action.draft
            taken.add(("contact", str(draft.contact_id)))
            taken.add(("name", draft.display_name.casefold()))
            if draft.email:
                taken.add(("email", draft.email.strip().casefold()))
            if draft.given_name and draft.family_name:
                taken.add(("person", f"{draft.given_name.strip()} {draft.family_name.strip()}".casefold()))
            if draft.company_name and draft.bill_address.city:
                taken.add(("company", f"{draft.company_name.strip()} / {draft.bill_address.city.strip()}".casefold()))
        elif isinstance(action, CreateItem):
            taken.add(("item", action.draft.name.casefold()))
        elif isinstance(action, CreatePayment):
            taken.update(("ref", ref.casefold()) for ref in (action.payment.ref, action.payment.alt_ref) if ref)
        elif isinstance(action, CreateSalesReceipt):
            taken.update(("ref", ref.casefold()) for ref in action.payment_refs)
    return frozenset(taken)


CUSTOMER_CLAIMS = frozenset({"contact", "name", "email", "person", "company"})


def released(claims_held: frozenset, created: object) -> frozenset:
    """What an order no longer claims once QuickBooks has created `created` for it: the directory knows
    the new customer or item now, so an order planned after this finds it instead of creating its own.
    (Payment references stay claimed until the order is done.)"""
    if isinstance(created, Customer):
        return frozenset(claim for claim in claims_held if claim[0] in CUSTOMER_CLAIMS)
    if isinstance(created, Item) and created.Name:
        return frozenset({("item", created.Name.casefold())}) & claims_held
    return frozenset()


def _in_turn(wanted: frozenset) -> set:
    return {claim for claim in wanted if claim[0] != "item"}


@dataclass(eq=False)
class _InHand:
    bundle: OrderBundle
    plan: OrderPlan
    context: object
    steps: Steps
    uow: UnitOfWork
    unit: ExitStack
    claims: frozenset
    request: Write | None = None
    answer: object = None
    fault: BaseException | None = field(default=None, repr=False)

    def close(self) -> None:
        self.steps.close()
        self.unit.close()


class BatchedOrders:
    """Runs a read batch's orders with their writes in QBO batch requests (see the module docstring)."""

    def __init__(self, qb, state: StateStore, begin: Begin, finish: Finish, fail: Fail, batch_size: int) -> None:
        self.qb, self.state = qb, state
        self.begin, self.finish, self.fail = begin, finish, fail
        self.size = batch_size
        # Orders in hand: a batch's worth and a third more, so that a batch still fills while some
        # orders wait for a claim or are between writes.
        self.capacity = batch_size + batch_size // 3

    def run(self, bundles: list[OrderBundle], done_one: Callable[[], None],
            should_stop: Callable[[], bool]) -> bool:
        """Sync these orders; True when a stop came first (the orders not finished wait for the next run)."""
        pending = list(bundles)
        waits: dict[int, frozenset] = {}  # id(bundle) -> what it would create, when that was taken
        hand: list[_InHand] = []
        try:
            while pending or hand:
                stop = should_stop()
                for order in list(hand):  # every answer is delivered and recorded, stop or not
                    if order.request is None:  # else its write is still waiting for a batch
                        self._advance(order, hand, done_one)
                if stop:
                    return True
                self._top_up(pending, waits, hand, done_one)
                self._send([order for order in hand if order.request is not None])
            return False
        finally:
            for order in hand:
                order.close()

    def _top_up(self, pending: list[OrderBundle], waits: dict[int, frozenset], hand: list[_InHand],
                done_one: Callable[[], None]) -> None:
        """Start pending orders, each up to its first write, until `capacity` are in hand. One that would
        create what an order in hand creates stays pending, and is not planned again while that holds."""
        claimed = set().union(*(order.claims for order in hand))
        # What the pending orders passed over would create: a later order that would create the same
        # waits behind them, so such orders take their turns in order, as they would one by one (a
        # contact matched by name before or after a namesake's customer is created is not the same).
        # Items are not taken in turn: whichever order creates one, the others find the same item.
        ahead: set = set()
        for bundle in list(pending):
            if len(hand) >= self.capacity:
                return
            if waits.get(id(bundle), frozenset()) & (claimed | ahead):
                ahead |= _in_turn(waits[id(bundle)])
                continue
            unit = ExitStack()
            try:
                uow = unit.enter_context(self.state.order_unit())
                plan, context, steps = self.begin(bundle, uow)
            except RUN_STOPPERS:
                unit.close()
                raise
            except Exception as exc:  # noqa: BLE001 - recorded and reported; the run goes on
                unit.close()
                pending.remove(bundle)
                self.fail(bundle, exc)
                done_one()
                continue
            uow.end_transaction()  # its database connection goes back to the pool while it waits
            wanted = claims(plan)
            if wanted & (claimed | ahead):
                waits[id(bundle)] = wanted
                ahead |= _in_turn(wanted)
                steps.close()
                unit.close()
                continue
            waits.pop(id(bundle), None)
            pending.remove(bundle)
            order = _InHand(bundle, plan, context, steps, uow, unit, wanted)
            hand.append(order)
            self._advance(order, hand, done_one)
            claimed = set().union(*(order.claims for order in hand))

    def _advance(self, order: _InHand, hand: list[_InHand], done_one: Callable[[], None]) -> None:
        """Give the order its answer (or fault) and take its next write; at its end, finish it."""
        answer, fault = order.answer, order.fault
        order.answer = order.fault = None
        if answer is not None:
            order.claims -= released(order.claims, answer)
        try:
            order.request = order.steps.throw(fault) if fault is not None else order.steps.send(answer)
        except StopIteration as done:
            hand.remove(order)
            order.unit.close()
            self.finish(order.bundle, order.plan, order.context, done.value)
            done_one()
            return
        except RUN_STOPPERS:
            raise
        except Exception as exc:  # noqa: BLE001 - e.g. recording its end failed: this order's error
            hand.remove(order)
            order.close()
            self.fail(order.bundle, exc)
            done_one()
            return
        order.uow.end_transaction()  # nothing held open while the write is out

    def _send(self, asking: list[_InHand]) -> None:
        """The round's writes: the oldest `size` of the larger group (creates or updates) as one batch
        request; the others wait for the next round. A write alone goes by itself, not in a batch of one
        (it would spend a batch request, of which a backfill runs out first)."""
        if not asking:
            return
        creates = [order for order in asking if isinstance(order.request, Create)]
        updates = [order for order in asking if not isinstance(order.request, Create)]
        operation, group = max(((BatchOperation.CREATE, creates), (BatchOperation.UPDATE, updates)),
                               key=lambda pair: len(pair[1]))
        if len(group) == 1:
            self._send_alone(group[0])
        else:
            self._send_batch(operation, group[:self.size])

    def _send_alone(self, order: _InHand) -> None:
        try:
            order.answer = send_alone(self.qb, order.request, order.uow)
        except RUN_STOPPERS:
            raise
        except Exception as exc:  # noqa: BLE001 - the order's own rules decide (executor.py)
            order.fault = exc
        order.request = None

    def _send_batch(self, operation: str, chunk: list[_InHand]) -> None:
        by_object = {id(order.request.obj): order for order in chunk}
        try:
            result = send_batch(self.qb, operation, [order.request.obj for order in chunk])
        except RUN_STOPPERS:
            raise
        except Exception as exc:  # noqa: BLE001 - the whole request failed: each order's error
            log.warning("a QuickBooks batch of %d %ss failed: %s", len(chunk), operation, exc)
            for order in chunk:
                order.fault, order.request = exc, None
            return
        for original, copy in result.succeeded:
            by_object[id(original)].answer = copy
        for failure in result.failed:
            order = by_object[id(failure.original)]
            reactivated = writers.reactivated_holder(self.qb, failure.original, failure.error)
            if reactivated is not None:
                order.answer = reactivated
            else:
                order.fault = failure.error
        for order in chunk:
            order.request = None
