"""The exposition format of /metrics, and the redaction every log handler applies."""

from __future__ import annotations

import io
import json
import logging

from syncsvc import apievents
from syncsvc.service.logsetup import REDACTED, add_secret, configure_logging, redact
from syncsvc.service.metrics import CATALOGUE, Metrics


def test_every_metric_has_help_and_type_and_api_events_are_counted_by_api():
    metrics = Metrics()
    unsubscribe = apievents.subscribe(metrics.api_event)
    try:
        apievents.emit("quickbooks", apievents.CALL)
        apievents.emit("quickbooks", apievents.CALL)
        apievents.emit("infusionsoft", apievents.THROTTLE)
    finally:
        unsubscribe()
    apievents.emit("quickbooks", apievents.CALL)  # after unsubscribing: not counted
    metrics.set("syncsvc_cycle_duration_seconds", 1.25)
    text = metrics.render()
    lines = text.splitlines()
    for name, (kind, _help, _label) in CATALOGUE.items():
        assert f"# TYPE {name} {kind}" in lines and any(line.startswith(f"# HELP {name} ") for line in lines)
    assert 'syncsvc_api_calls_total{api="quickbooks"} 2' in lines
    assert 'syncsvc_api_calls_total{api="infusionsoft"} 0' in lines
    assert 'syncsvc_api_throttles_total{api="infusionsoft"} 1' in lines
    assert "syncsvc_cycle_duration_seconds 1.25" in lines
    samples = [line for line in lines if not line.startswith("#")]
    assert all(len(line.split(" ")) == 2 for line in samples) and text.endswith("\n")


def test_secrets_are_redacted_from_messages_arguments_and_tracebacks():
    add_secret("s3cr3t-passphrase")
    stream = io.StringIO()
    handler = configure_logging("json", stream=stream)
    log = logging.getLogger("syncsvc.test")
    try:
        log.warning("token response %s", {"access_token": "eyJabc.def", "refresh_token": "RT1-xyz"})
        log.warning("header Authorization: Bearer abc.def-ghi and key s3cr3t-passphrase")
        try:
            raise ValueError("postgresql://sync:hunter22@db/syncsvc refused")
        except ValueError:
            log.exception("connect failed")
    finally:
        logging.getLogger().removeHandler(handler)
    out = stream.getvalue()
    for secret in ("eyJabc.def", "RT1-xyz", "abc.def-ghi", "s3cr3t-passphrase", "hunter22"):
        assert secret not in out
    entries = [json.loads(line) for line in out.splitlines()]
    assert REDACTED in entries[0]["message"] and "Bearer " + REDACTED in entries[1]["message"]
    assert "ValueError" in entries[2]["exception"] and "sync:" + REDACTED + "@db" in entries[2]["exception"]
    assert redact("order 1001 posted for 40.00") == "order 1001 posted for 40.00"
