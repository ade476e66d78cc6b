"""`syncsvc status`: which database, how far the sync has read, what the last runs did (and why one
failed), orders queued for the daemon, and the open issues grouped by what fixes them.

It only reads: a state database that does not exist is not created and one whose schema is behind is
not upgraded (syncsvc/reporting/database.py); either is one line and exit status 1.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from syncsvc.config import API_NAMES


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "status", help="watermarks, last runs and open issues",
        description="What the sync has done and what waits for a fix: the state database read (password "
        "hidden), the Keap API, how far orders and payments have been read, the last runs (a failed one "
        "with its reason), orders queued for the daemon, and the open issues grouped by the fix, each "
        "saying what closes it. Times are UTC. Reads only: a missing or un-upgraded database is one "
        "line and exit status 1.")
    parser.add_argument("--json", action="store_true",
                        help="machine-readable output (times ISO 8601 with offset; every issue, every id)")
    parser.add_argument("--runs", type=int, default=5, help="how many recent runs to show (default 5)")
    parser.set_defaults(handler=run)


@dataclass(frozen=True)
class Reading:
    """What collect() reads: an engine on the state database and the connection's name."""

    engine: object
    connection: str


def collect(state, runs: int = 5, api: str | None = None, database: str | None = None) -> dict:
    """What `status` shows, as --json prints it. `state`: anything with `.engine` and `.connection` (a
    StateStore, a Reading); `api`: the Keap API the configuration names (None: not known)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from syncsvc.engine.cursors import READ_THROUGH_API
    from syncsvc.infusionsoft import sunset
    from syncsvc.reporting import issues as issue_report
    from syncsvc.reporting.words import (COUNT_LABELS, WATERMARK_LABELS, count_label, iso, utc)
    from syncsvc.store.lock_models import ConnectionLock
    from syncsvc.store.queue_models import ResyncRequest
    from syncsvc.store.sync_models import SyncRun, Watermark
    from syncsvc.sync.cycle import WATERMARKS
    from syncsvc.sync.deleted import POSTED_CHECKED_AT

    engine, connection = state.engine, state.connection
    with Session(engine) as session:
        marks = {w.name: w.value for w in session.scalars(select(Watermark).where(Watermark.connection == connection))}
        run_rows = session.scalars(select(SyncRun).where(SyncRun.connection == connection)
                                   .order_by(SyncRun.id.desc()).limit(max(runs, 0))).all()
        queued = session.scalars(select(ResyncRequest).where(ResyncRequest.connection == connection)
                                 .order_by(ResyncRequest.order_id)).all()
        lock = session.get(ConnectionLock, connection)
    now = datetime.now(timezone.utc)
    lease = None
    if lock is not None and utc(lock.expires_at) > now:
        lease = {"holder": lock.holder, "expires_at": iso(lock.expires_at)}
    open_issues = issue_report.open_issues(engine, connection)
    groups = issue_report.group(open_issues)
    run_list = []
    for n, r in enumerate(run_rows):
        counts = dict(r.counts or {})
        outcome, done = run_outcome(r.status, r.message or "", counts, live=lease if n == 0 else None)
        run_list.append({"id": r.id, "status": r.status, "started_at": iso(r.started_at),
                         "finished_at": iso(r.finished_at), "counts": counts, "message": r.message or "",
                         "outcome": outcome, "done": done})
    keys = set(COUNT_LABELS) | {k for r in run_list for k in r["counts"]}
    return {
        "connection": connection,
        "database": database or engine.url.render_as_string(hide_password=True),
        "api": api,
        "last_read_through_api": marks.get(READ_THROUGH_API),
        "notices": [sunset.notice()] if api == "xmlrpc" else [],
        "watermarks": {name: marks.get(name) for name in WATERMARKS},
        "posted_orders_checked_at": marks.get(POSTED_CHECKED_AT),
        "lease": lease,
        "runs": run_list,
        "queued_resyncs": [{"order_id": q.order_id, "requested_at": iso(q.requested_at),
                            "requested_by": q.requested_by} for q in queued],
        "open_issues": [i.as_dict() for i in open_issues],
        "issue_groups": [g.as_dict() for g in groups],
        "issue_kinds": {kind: {"title": title, "meaning": meaning}
                        for kind, (title, meaning) in issue_report.KINDS.items()},
        "count_labels": {key: count_label(key) for key in sorted(keys)},
        "watermark_labels": dict(WATERMARK_LABELS),
    }


_LINE_FAILURES = re.compile(r"; (\d+ orders? failed: .*)$", re.S)
_OLD_FAILURES = re.compile(r"; failed: ([\d, ]+)$")  # what a syncsvc before issue 12 recorded


def run_outcome(status: str, message: str, counts: dict, live: dict | None = None) -> tuple[str, str]:
    """(what became of the run, what it did in words), e.g. ("failed: 3 orders failed: 1001 (...)", "5 orders
    looked at, ..."). `live`: the lease held now, when this is the latest run."""
    from syncsvc.reporting.words import counts_in_words

    done = counts_in_words(counts)
    if status == "running":
        if live is not None:
            return f"running now ({live['holder']})", done
        return ("did not finish: the process stopped without recording its end (killed, crashed or switched "
                "off); the next run reads its orders again"), done
    if status == "failed":
        return f"failed: {failure_reason(message)}", done
    if status == "stopped":
        return "stopped early when asked to (the rest follows next run)", done
    if status == "ok":
        return "ok", done or "nothing to do"
    return status, done


def failure_reason(message: str) -> str:
    """Why a failed run failed, from its message (syncsvc/sync/processing.py run_record): the failed orders
    with their reasons, or the exception line that stopped it."""
    text = " ".join(message.split())
    if re.match(r"^\d+ orders: ", text):  # the summary line: its failures close it
        found = _LINE_FAILURES.search(text)
        if found:
            return found.group(1)
        old = _OLD_FAILURES.search(text)
        if old:
            return f"orders {old.group(1)} failed (their reasons are under Open issues while they stay open)"
    return text or "no reason was recorded"


def run(args) -> int:
    from syncsvc.config import load_settings
    from syncsvc.reporting.database import open_for_reading
    from syncsvc.store.db import redacted

    settings = load_settings(args.config)
    engine = open_for_reading(settings.state.database_url, settings.source)
    try:
        report = collect(Reading(engine, settings.connection.name), args.runs, settings.infusionsoft.api,
                         redacted(settings.state.database_url))
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True, default=str))
    else:
        print(render(report))
    return 0


def render(report: dict) -> str:
    from syncsvc.reporting.words import WATERMARK_LABELS, watermark_value, when

    lines = [f"Connection {report['connection']}, state database {report.get('database') or '(not known)'}"]
    if report.get("api"):
        lines.append(f"Keap API: {API_NAMES.get(report['api'], report['api'])} ([infusionsoft].api = \"{report['api']}\")")
    last = report.get("last_read_through_api")
    if last and last != report.get("api"):
        lines.append(f"  the last cycle read through {API_NAMES.get(last, last)}; the next one switches, safely")
    lines += [f"  NOTE: {notice}" for notice in report.get("notices", ())]
    lines.append("Read so far (watermarks):")
    for name, value in report["watermarks"].items():
        lines.append(f"  {WATERMARK_LABELS.get(name, name.replace('_', ' '))}: {watermark_value(value)}")
    if report.get("posted_orders_checked_at"):
        lines.append(f"  {WATERMARK_LABELS['posted_orders_checked_at']}: "
                     f"{watermark_value(report['posted_orders_checked_at'])}")
    lines.append("Last runs, newest first:" if report["runs"] else "Last runs: none yet")
    for r in report["runs"]:
        started = when(_parse(r["started_at"]))
        if r["status"] == "ok":
            lines.append(f"  #{r['id']} {started} ok: {r['done']}")
            continue
        lines.append(f"  #{r['id']} {started} {r['outcome']}")
        if r["done"]:
            lines.append(f"      it did: {r['done']}")
    queued = report["queued_resyncs"]
    if queued:
        lines.append(f"Queued for the daemon to re-sync: {len(queued)}")
        for q in queued:
            lines.append(f"  order {q['order_id']} (asked {when(_parse(q['requested_at']))} by {q['requested_by']})")
    lines += render_issues(report)
    return "\n".join(lines)


def render_issues(report: dict) -> list[str]:
    issues, groups = report["open_issues"], report["issue_groups"]
    subjects = {}
    for i in issues:
        subjects[i["subject"]] = subjects.get(i["subject"], 0) + 1
    split = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in sorted(subjects.items()))
    lines = [f"Open issues: {len(issues)}" + (f" ({split}), grouped by what fixes them:" if issues else "")]
    by_id = {(i["subject"], i["id"]): i for i in issues}
    kinds = report.get("issue_kinds", {})
    sections: dict[str, list[dict]] = {}
    for g in groups:
        sections.setdefault(g["kind"], []).append(g)
    for kind, section in sections.items():
        title, meaning = (kinds.get(kind) or {}).get("title", kind), (kinds.get(kind) or {}).get("meaning", "")
        lines.append(f"  {title} ({kind}): {meaning}:" if meaning else f"  {title} ({kind}):")
        once = len({g["closes_when"] for g in section}) == 1
        for g in section:
            lines.append(f"    {g['problem']}: {_members(g, by_id)}{_tried(g)}")
            if not once:
                lines.append(f"      {g['closes_when']}")
            if g.get("resync"):
                lines.append(f"      after the fix: {g['resync']}")
        if once:
            lines.append(f"    {section[0]['closes_when']}")
    return lines


def _members(group: dict, by_id: dict) -> str:
    from syncsvc.reporting.issues import SHOWN

    ids, subject = group["ids"], group["subject"]
    noun = f"{len(ids)} {subject}{'s' if len(ids) != 1 else ''}"
    more = f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else ""
    if subject == "order":
        return f"{noun} ({', '.join(map(str, ids[:SHOWN]))}{more})"
    named = []
    for subject_id in ids[:SHOWN]:
        issue = by_id.get((subject, subject_id), {})
        if issue.get("order_id") is None:
            named.append(f"{subject_id} (its order is not recorded: look the payment up in Keap)")
        else:
            where = f"QuickBooks {issue['document']}" if issue.get("document") else "not in QuickBooks yet"
            named.append(f"{subject_id} (order {issue['order_id']}, {where})")
    return f"{noun}: {', '.join(named)}{more}"


def _tried(group: dict) -> str:
    from syncsvc.reporting.words import when

    if group["kind"] in ("error", "held", "waiting") and group.get("attempts", 0) > 1:
        return f"; tried {group['attempts']} times since {when(_parse(group['first_seen']))}"
    return ""


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
