"""Failures scheduled by `InfusionsoftSandbox.inject`: the next `count` matching calls fail.

`method` names an XML-RPC method ("DataService.query") or a REST v2 operationId
("listOrders"); None matches the next call on either face that the kind applies to.
"blank" (empty 200 body) and "truncated"/"cut" (the first half of the body) run
the call and then garble the answer (the write happened; a client that retries
blindly duplicates it). The others refuse the call before it runs: http500,
http503, http429, html (200 with an HTML page, as a captive proxy answers), and on
XML-RPC only throttle_fault and fault.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

KINDS = frozenset({"http500", "http503", "http429", "blank", "truncated", "cut", "html", "throttle_fault", "fault"})
GARBLING = frozenset({"blank", "truncated", "cut"})
REST_KINDS = frozenset({"http500", "http503", "http429", "blank", "truncated", "cut", "html"})


@dataclass
class Injection:
    kind: str
    remaining: int
    method: str | None = None
    fault: str | None = None


class Injector:
    def __init__(self) -> None:
        self._pending: list[Injection] = []
        self._lock = threading.Lock()

    def add(self, kind: str, count: int = 1, method: str | None = None, fault: str | None = None) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown injection kind {kind!r}; one of {', '.join(sorted(KINDS))}")
        if kind == "fault" and not fault:
            raise ValueError('kind "fault" needs fault="[Name]message"')
        with self._lock:
            self._pending.append(Injection(kind, count, method, fault))

    def take(self, method: str | None, kinds: frozenset[str] = KINDS) -> Injection | None:
        """The first pending injection of one of `kinds` that matches `method` (an injection without
        a method matches any), used up once."""
        with self._lock:
            for injection in self._pending:
                if injection.kind in kinds and (injection.method is None or injection.method == method):
                    injection.remaining -= 1
                    if injection.remaining <= 0:
                        self._pending.remove(injection)
                    return injection
        return None

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
