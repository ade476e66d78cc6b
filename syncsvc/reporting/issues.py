"""Open issues as a bookkeeper acts on them: each named with its order and QuickBooks document, said
what closes it, and grouped by the fix ("product 4 'Oil Filter' has no SKU: 25 orders") rather than
listed one line per order.

An issue's reason is the text the sync recorded (syncsvc/sync/executor.py, engine/plan.py,
sync/deleted.py, ...). It may hold several problems joined by "; " (every hold of an order; a
warning naming each line posted on the unknown item); each problem is grouped on its own, with
what differs from order to order (the order's id, an order item's id, amounts) taken out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from syncsvc.reporting.words import utc
from syncsvc.store.sync_models import SyncedDocument, SyncedPayment, SyncedRefund, SyncIssue

CHUNK = 500  # ids per IN query
SHOWN = 5  # ids listed per group before "and N more"
KIND_ORDER = ("error", "held", "waiting", "deleted", "skipped", "warning")

# What each issue kind means (the kinds the sync records: executor.py, refunds.py, deleted.py).
KINDS = {
    "error": ("Failed", "syncsvc could not post it; the reason says what refused it. Every cycle tries again"),
    "held": ("Held", "not posted until the fix the reason names is made. Every cycle tries again"),
    "waiting": ("Waiting", "a refund waits for the payment or invoice it refunds to be in QuickBooks. "
                           "Every cycle tries again"),
    "deleted": ("Deleted in Keap after it was posted", "QuickBooks still books it; syncsvc never voids or "
                                                       "deletes anything there"),
    "skipped": ("Skipped", "left out of QuickBooks on purpose; the reason says why. Not tried again unless "
                           "it changes in Keap"),
    "warning": ("Posted with a warning", "the order IS in QuickBooks, posted as the reason says; something in "
                                         "it needs a look (e.g. lines posted on the unknown item)"),
}

_DOC_TYPES = {"Invoice": "Invoice", "SalesReceipt": "Sales Receipt"}
_SPLIT = re.compile(r"; (?=(?:order|payment|refund) \d+\b)")
_ORDER_PREFIX = re.compile(r"^order (\d+): ")
_OF_ORDER = re.compile(r"\bof order (\d+)\b")
_UNKNOWN_ITEM = re.compile(r"^lines posted on item (?P<item>.+?); fix in Infusionsoft: (?P<parts>.+)$", re.S)
_LINE_PROBLEM = re.compile(r"^order item \d+(?: (?P<name>'.*?'|\".*?\"))?(?P<sep>: | )(?P<rest>.+)$", re.S)
_AMOUNT = re.compile(r"(?<![\w.])-?\d+\.\d\d\b")
_OTHER_PAYMENT = re.compile(r"\bpayment (\d+)\b")


@dataclass
class Issue:
    subject: str  # "order" | "payment"
    subject_id: int
    kind: str
    reason: str
    attempts: int
    first_seen: datetime
    last_seen: datetime
    order_id: int | None = None  # the order (for a payment issue: its order, when syncsvc can tell)
    document: str | None = None  # the order's QuickBooks document, e.g. "Invoice 1001"; None: not posted
    closes_when: str = ""

    def as_dict(self) -> dict:
        from syncsvc.reporting.words import iso

        return {"subject": self.subject, "id": self.subject_id, "kind": self.kind, "reason": self.reason,
                "attempts": self.attempts, "first_seen": iso(self.first_seen), "last_seen": iso(self.last_seen),
                "order_id": self.order_id, "document": self.document, "closes_when": self.closes_when}


@dataclass
class IssueGroup:
    """One fix: the problem as it reads for every issue in the group, and the issues it covers."""

    kind: str
    subject: str
    problem: str
    issues: list[Issue] = field(default_factory=list)
    texts: set[str] = field(default_factory=set)
    seen: set[int] = field(default_factory=set)
    as_said: str = ""

    @property
    def ids(self) -> list[int]:
        return sorted({i.subject_id for i in self.issues})

    @property
    def order_ids(self) -> list[int]:
        return sorted({i.order_id for i in self.issues if i.order_id is not None})

    @property
    def closes_when(self) -> str:
        return closes_when(self.subject, self.kind, self.issues[0].reason)

    @property
    def resync(self) -> str:
        return resync_command(self.order_ids) if self.kind in RESYNC_KINDS else ""

    def as_dict(self) -> dict:
        from syncsvc.reporting.words import iso

        return {"kind": self.kind, "subject": self.subject, "problem": self.problem, "count": len(self.ids),
                "ids": self.ids, "order_ids": self.order_ids, "closes_when": self.closes_when, "resync": self.resync,
                "attempts": max(i.attempts for i in self.issues),
                "first_seen": iso(min(i.first_seen for i in self.issues))}


# -- reading --------------------------------------------------------------------------------------


def open_issues(engine: Engine, connection: str) -> list[Issue]:
    """The connection's open issues, each with its order and that order's QuickBooks document."""
    with Session(engine) as session:
        rows = session.scalars(select(SyncIssue).where(
            SyncIssue.connection == connection, SyncIssue.resolved_at.is_(None)
        ).order_by(SyncIssue.subject, SyncIssue.subject_id)).all()
        issues = [Issue(r.subject, r.subject_id, r.kind, r.reason or "", r.attempts or 0, utc(r.first_seen),
                        utc(r.last_seen)) for r in rows]
        _find_orders(session, connection, issues)
        documents = _documents(session, connection, {i.order_id for i in issues if i.order_id is not None})
    for issue in issues:
        if issue.order_id is not None:
            issue.document = documents.get(issue.order_id)
        issue.closes_when = closes_when(issue.subject, issue.kind, issue.reason)
    return issues


def _find_orders(session: Session, connection: str, issues: list[Issue]) -> None:
    """Each issue's order: an order issue's own id; a payment's from its reason ("order N: ...", "payment 9
    of order N"), from what was posted (the payment, or the refund booked), from the open order issue that
    names it (a held payment holds its order with the same reason), or from the payment it waits for."""
    payments = [i for i in issues if i.subject == "payment"]
    for issue in issues:
        if issue.subject == "order":
            issue.order_id = issue.subject_id
    if not payments:
        return
    mentioned = {int(m) for i in payments for m in _OTHER_PAYMENT.findall(i.reason)}
    wanted = sorted({i.subject_id for i in payments} | mentioned)
    posted = _by_id(session, SyncedPayment.payment_id, SyncedPayment.order_id, SyncedPayment.connection, connection,
                    wanted)
    refunded = _by_id(session, SyncedRefund.refund_payment_id, SyncedRefund.order_id, SyncedRefund.connection,
                      connection, [i.subject_id for i in payments])
    named_by_order: dict[int, set[int]] = defaultdict(set)
    for issue in issues:
        if issue.subject == "order":
            for word, number in re.findall(r"\b(payment|refund) (\d+)\b", issue.reason):
                named_by_order[int(number)].add(issue.subject_id)
    for issue in payments:
        pid = issue.subject_id
        first = _ORDER_PREFIX.match(issue.reason) or _OF_ORDER.search(issue.reason)
        if first:
            issue.order_id = int(first.group(1))
        elif pid in posted:
            issue.order_id = posted[pid]
        elif pid in refunded:
            issue.order_id = refunded[pid]
        elif len(named_by_order.get(pid, ())) == 1:
            issue.order_id = next(iter(named_by_order[pid]))
        else:
            others = [posted[int(m)] for m in _OTHER_PAYMENT.findall(issue.reason) if int(m) in posted]
            if others:
                issue.order_id = others[0]


def _by_id(session: Session, key, value, connection_column, connection: str, ids) -> dict[int, int]:
    found: dict[int, int] = {}
    ids = sorted(set(ids))
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(select(key, value).where(connection_column == connection,
                                                        key.in_(ids[start:start + CHUNK])))
        found.update({int(k): int(v) for k, v in rows})
    return found


def _documents(session: Session, connection: str, order_ids) -> dict[int, str]:
    """Order id -> `Invoice 1001` / `Sales Receipt 1001`: how the bookkeeper finds it in QuickBooks."""
    found: dict[int, str] = {}
    ids = sorted(order_ids)
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(select(SyncedDocument.order_id, SyncedDocument.qbo_type, SyncedDocument.doc_number)
                               .where(SyncedDocument.connection == connection,
                                      SyncedDocument.order_id.in_(ids[start:start + CHUNK])))
        found.update({int(o): f"{_DOC_TYPES.get(t, t)} {n}" for o, t, n in rows})
    return found


# -- grouping -------------------------------------------------------------------------------------


def problems(issue: Issue, said: frozenset[str] = frozenset()) -> list[str]:
    """The separate problems in an issue's reason, each without what belongs to this one order or payment;
    those in `said` (an order's hold that its payment's own issue shows) left out."""
    return list(dict.fromkeys(general for general, _ in _parts(issue, said)))


def _parts(issue: Issue, said: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """(the problem as it reads for any order, as it reads for this one) for each problem in the reason."""
    found = []
    for part in _SPLIT.split(" ".join(issue.reason.split())):
        part = _ORDER_PREFIX.sub("", part, count=1)
        if part in said:
            continue
        unknown = _UNKNOWN_ITEM.match(part)
        if unknown:
            item = unknown.group("item")
            for line in unknown.group("parts").split("; "):
                general = f"{_line_problem(line)} (lines posted on item {item})"
                found.append((general, general))
            continue
        found.append((_without_own_id(part, issue), part))
    return [(general, own) for general, own in found if general]


def _line_problem(text: str) -> str:
    """`order item 9 'Oil Filter': product 4 'Oil Filter' has no SKU` -> `product 4 'Oil Filter' has no SKU`;
    `order item 16 'Labor (1 hr)' has no product` -> `line 'Labor (1 hr)' has no product`."""
    m = _LINE_PROBLEM.match(text.strip())
    if not m:
        return text.strip()
    name, rest = m.group("name"), m.group("rest")
    if m.group("sep") == ": ":
        return rest
    return f"line {name} {rest}" if name else f"a line {rest}"


def _without_own_id(text: str, issue: Issue) -> str:
    if issue.subject == "order":
        return re.sub(rf"\border {issue.subject_id}\b", "the order", text)
    return re.sub(rf"\b(payment|refund) {issue.subject_id}\b", r"the \1", text)


def group(issues: list[Issue]) -> list[IssueGroup]:
    """Issues of the same kind and subject with the same problem (amounts aside), biggest group first
    within each kind; the kinds in KIND_ORDER."""
    groups: dict[tuple[str, str, str], IssueGroup] = {}
    # A held payment (a waiting refund) holds its order with the same reason: said once, on the payment's
    # line, which names the order and its QuickBooks document.
    said: dict[int, set[str]] = defaultdict(set)
    for issue in issues:
        if issue.subject == "payment" and issue.order_id is not None and issue.kind in ("held", "waiting"):
            said[issue.order_id].add(_ORDER_PREFIX.sub("", " ".join(issue.reason.split()), count=1))
    for issue in issues:
        own = frozenset(said.get(issue.subject_id, ())) if issue.subject == "order" else frozenset()
        found = _parts(issue, own)
        if not found and own and _parts(issue):
            continue  # every problem of the order is shown on its payments' lines
        for problem, as_said in found or [(issue.reason, issue.reason)]:
            key = (issue.kind, issue.subject, _AMOUNT.sub("…", problem))
            g = groups.setdefault(key, IssueGroup(issue.kind, issue.subject, problem))
            if issue.subject_id not in g.seen:
                g.seen.add(issue.subject_id)
                g.issues.append(issue)
                g.as_said = as_said
            g.texts.add(problem)
    for (kind, subject, template), g in groups.items():
        if len(g.issues) == 1:
            g.problem = g.as_said  # one order: its problem as the sync said it, ids and all
        elif len(g.texts) > 1:
            g.problem = template  # the amounts differ from one to the next
    rank = {kind: n for n, kind in enumerate(KIND_ORDER)}
    return sorted(groups.values(), key=lambda g: (rank.get(g.kind, len(rank)), g.kind, g.subject != "order",
                                                  -len(g.ids), g.problem))


# -- what closes an issue -------------------------------------------------------------------------


RESYNC_LISTED = 100  # order ids a re-sync command names in full; more: --json has them all


def resync_command(order_ids: list[int]) -> str:
    """`syncsvc sync --orders 1001,1002`: what re-syncs these orders now."""
    if not order_ids:
        return ""
    if len(order_ids) <= RESYNC_LISTED:
        return f"syncsvc sync --orders {','.join(map(str, order_ids))}"
    shown = ','.join(map(str, order_ids[:RESYNC_LISTED]))
    return f"syncsvc sync --orders {shown} (the first {RESYNC_LISTED} of {len(order_ids)}; --json lists them all)"


RESYNC_KINDS = ("warning",)  # kinds whose orders only a re-sync brings back (error, held: every cycle)


def closes_when(subject: str, kind: str, reason: str) -> str:
    """What closes an issue of this kind: by itself (the next cycle), or only what the bookkeeper does."""
    again = "`syncsvc sync --orders ...`"
    if kind == "error":
        return f"closes when a later cycle posts it: make the fix the reason names, if any; {again} retries at once"
    if kind == "held":
        return f"closes when the fix the reason names is made: the next cycle then posts it ({again} at once)"
    if kind == "waiting":
        return ("closes when what it waits for is in QuickBooks: the cycle that posts that books the refund "
                "(if that is held or failed, fix that first)")
    if kind == "deleted":
        what = "QuickBooks Payment" if subject == "payment" else "QuickBooks document"
        happened = "the money was received" if subject == "payment" else "the sale did happen"
        return (f"closes when that {what} is voided or deleted in QuickBooks (syncsvc looks once a day); if "
                f"{happened}, nothing is wrong in QuickBooks, but the issue stays listed")
    if kind == "skipped" and subject == "order":
        if "QuickBooks integration" in reason:
            return ("does not close: the order came from QuickBooks, so there is nothing to do; it stays listed "
                    "as a record")
        if "not paid in full" in reason:
            return "closes when the order is paid in full in Keap: the cycle that reads that payment posts it"
        if "no invoice yet" in reason:
            return f"closes when Keap gives the order an invoice and it changes in Keap, or by {again}"
        return (f"does not close by itself: the order is looked at again only when it changes in Keap, or by "
                f"{again}; nothing to do if it should stay out of QuickBooks")
    if kind == "skipped":
        if "already used by other payments" in reason:
            return f"closes when the payment has a reference of its own in Keap and its order is synced ({again})"
        return ("does not close by itself: it records a payment syncsvc left out of QuickBooks; enter it in "
                "QuickBooks by hand if it belongs there (the reason says how)")
    if kind == "warning":
        return (f"closes when the order is synced again without the warning: fix it in Keap, then re-sync the "
                f"orders with {again} (fixing a product in Keap does not re-sync orders already posted)")
    return f"closes when its order is synced again without it ({again})"
