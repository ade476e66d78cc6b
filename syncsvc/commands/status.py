"""`syncsvc status`: watermarks, what the last runs did, and every open issue."""

from __future__ import annotations

import json

from syncsvc.config import API_NAMES


def register(subparsers) -> None:
    parser = subparsers.add_parser("status", help="watermarks, last runs and open issues")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--runs", type=int, default=5, help="how many recent runs to show (default 5)")
    parser.set_defaults(handler=run)


def collect(state, runs: int = 5, api: str | None = None) -> dict:
    """What `status` shows; `api` is the Keap API the configuration names (None: not known)."""
    from syncsvc.engine.cursors import READ_THROUGH_API
    from syncsvc.infusionsoft import sunset
    from syncsvc.sync.cycle import WATERMARKS

    with state.unit() as uow:
        watermarks = {name: uow.watermark(name) for name in WATERMARKS}
        read_through = uow.watermark(READ_THROUGH_API)
        issues = uow.open_issues()
    queued = state.queued_resyncs()
    return {
        "connection": state.connection,
        "api": api,
        "last_read_through_api": read_through,
        "notices": [sunset.notice()] if api == "xmlrpc" else [],
        "watermarks": watermarks,
        "runs": [
            {"id": r.id, "status": r.status, "started_at": r.started_at, "finished_at": r.finished_at,
             "counts": r.counts or {}, "message": r.message}
            for r in state.last_runs(runs)
        ],
        "queued_resyncs": [
            {"order_id": q.order_id, "requested_at": q.requested_at, "requested_by": q.requested_by} for q in queued
        ],
        "open_issues": [
            {"subject": i.subject, "id": i.subject_id, "kind": i.kind, "reason": i.reason, "attempts": i.attempts,
             "last_seen": i.last_seen}
            for i in issues
        ],
    }


def run(args) -> int:
    from syncsvc.config import load_settings
    from syncsvc.store.db import upgrade
    from syncsvc.sync.wiring import state_store

    settings = load_settings(args.config)
    upgrade(settings.state.database_url)
    state = state_store(settings)
    try:
        report = collect(state, args.runs, settings.infusionsoft.api)
    finally:
        state.engine.dispose()
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True, default=str))
    else:
        print(render(report))
    return 0


def render(report: dict) -> str:
    lines = [f"Connection {report['connection']}"]
    if report.get("api"):
        lines.append(f"Keap API: {API_NAMES.get(report['api'], report['api'])} ([infusionsoft].api = \"{report['api']}\")")
    last = report.get("last_read_through_api")
    if last and last != report.get("api"):
        lines.append(f"  the last cycle read through {API_NAMES.get(last, last)}; the next one switches, safely")
    lines += [f"  NOTE: {notice}" for notice in report.get("notices", ())]
    lines.append("Watermarks:")
    for name, value in report["watermarks"].items():
        lines.append(f"  {name}: {value or '(not yet)'}")
    lines.append("Last runs:" if report["runs"] else "Last runs: none yet")
    for r in report["runs"]:
        counts = ", ".join(f"{k} {v}" for k, v in r["counts"].items() if v)
        lines.append(f"  #{r['id']} {r['started_at']:%Y-%m-%d %H:%M:%S} {r['status']}: {counts or 'nothing to do'}")
    queued = report["queued_resyncs"]
    if queued:
        lines.append(f"Queued for the daemon to re-sync: {len(queued)}")
        for q in queued:
            lines.append(f"  order {q['order_id']} (asked {q['requested_at']:%Y-%m-%d %H:%M:%S} by {q['requested_by']})")
    issues = report["open_issues"]
    lines.append(f"Open issues: {len(issues)}")
    for i in issues:
        lines.append(f"  {i['subject']} {i['id']} [{i['kind']}] {i['reason']}")
    return "\n".join(lines)
