"""An invoice with an Infusionsoft payment plan: its due date and schedule.

Payments under a plan are ordinary payments; only the invoice changes: it is
due on the first installment still open, and its memo lists the schedule.
The schedule lists dates and amounts only (no paid/open flags), so the
document changes, and is updated in QBO, when the due date moves, not with
every payment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from syncsvc.engine.money import cents
from syncsvc.infusionsoft.records import PayPlan


@dataclass(frozen=True)
class PlanTerms:
    due_date: date | None  # first installment not paid in full; None when all are paid
    schedule_memo: str


def plan_terms(pay_plan: PayPlan) -> PlanTerms:
    installments = sorted(
        (item for item in pay_plan.items if item.date_due is not None), key=lambda item: (item.date_due, item.id)
    )
    open_items = [item for item in installments if cents(item.amount_paid) < cents(item.amount_due)]
    due = open_items[0].date_due.date() if open_items else None
    schedule = ", ".join(f"{item.date_due.date().isoformat()} {cents(item.amount_due)}" for item in installments)
    memo = f"Payment plan, {len(installments)} installments: {schedule}" if installments else "Payment plan"
    return PlanTerms(due_date=due, schedule_memo=memo)
