"""The daemon's counters and gauges, rendered in the Prometheus text exposition format (0.0.4)."""

from __future__ import annotations

import threading
from collections import defaultdict

from syncsvc import apievents

APIS = ("infusionsoft", "quickbooks")
COUNTER, GAUGE = "counter", "gauge"

# name -> (type, help, label name or None). Rendered in this order.
CATALOGUE = {
    "syncsvc_orders_posted_total": (COUNTER, "Orders posted to QuickBooks as a new invoice or sales receipt.", None),
    "syncsvc_orders_updated_total": (COUNTER, "QuickBooks documents updated because their order changed.", None),
    "syncsvc_payments_posted_total": (COUNTER, "Payments posted to QuickBooks.", None),
    "syncsvc_order_errors_total": (COUNTER, "Orders that failed in a cycle (retried next cycle).", None),
    "syncsvc_orders_held": (GAUGE, "Orders held for a person to settle (open held issues) after the last cycle.", None),
    "syncsvc_cycles_total": (COUNTER, "Sync cycles finished, by outcome (ok, failed, paused, stopped, error).",
                             "status"),
    "syncsvc_cycle_duration_seconds": (GAUGE, "Wall time of the last sync cycle.", None),
    "syncsvc_cycle_duration_seconds_sum": (COUNTER, "Wall time of all sync cycles together.", None),
    "syncsvc_last_success_timestamp_seconds": (GAUGE, "Unix time the last successful cycle finished (0: none yet).",
                                               None),
    "syncsvc_api_calls_total": (COUNTER, "HTTP requests sent, by API.", "api"),
    "syncsvc_api_throttles_total": (COUNTER, "Requests the API throttled (HTTP 429 or throttling fault), by API.",
                                    "api"),
    "syncsvc_api_retries_total": (COUNTER, "Requests sent again after a transient failure, by API.", "api"),
}
_API_EVENTS = {apievents.CALL: "syncsvc_api_calls_total", apievents.THROTTLE: "syncsvc_api_throttles_total",
               apievents.RETRY: "syncsvc_api_retries_total"}


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, dict[str, float]] = defaultdict(dict)  # name -> label value ("" if none) -> value
        for name, (_kind, _help, label) in CATALOGUE.items():
            for value in (APIS if label == "api" else ("",) if label is None else ()):
                self._values[name][value] = 0

    def inc(self, name: str, amount: float = 1, label: str = "") -> None:
        self._check(name)
        with self._lock:
            self._values[name][label] = self._values[name].get(label, 0) + amount

    def set(self, name: str, value: float, label: str = "") -> None:
        self._check(name)
        with self._lock:
            self._values[name][label] = value

    def value(self, name: str, label: str = "") -> float:
        with self._lock:
            return self._values[name].get(label, 0)

    def api_event(self, api: str, event: str) -> None:
        """An apievents listener."""
        name = _API_EVENTS.get(event)
        if name is not None:
            self.inc(name, label=api)

    def render(self) -> str:
        lines = []
        with self._lock:
            for name, (kind, help_text, label) in CATALOGUE.items():
                lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
                for label_value, value in sorted(self._values[name].items()):
                    labels = f'{{{label}="{_escape(label_value)}"}}' if label else ""
                    lines.append(f"{name}{labels} {_number(value)}")
        return "\n".join(lines) + "\n"

    @staticmethod
    def _check(name: str) -> None:
        if name not in CATALOGUE:
            raise KeyError(f"unknown metric {name}")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
