"""What the daemon last did, and the HTTP listener that tells monitors: /healthz and /metrics."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from syncsvc.errors import SyncsvcError
from syncsvc.service.metrics import Metrics

log = logging.getLogger(__name__)


# What a finished cycle's outcome says about the connection. "ok" and "failed" (the cycle ran to its
# end; orders that failed on their own data are retried and counted, not a reason to restart) are
# successes; "paused" (a person must act: reconnect QuickBooks, a new key) and "error" (the cycle could
# not run) mean the connection cannot sync. A cycle cut short by a stop changes nothing.
CANNOT_SYNC = ("paused", "error")


@dataclass
class Health:
    """The connection's state for /healthz, from the last finished cycle:

    - `starting` (200) until the first cycle ends, for at most `healthy_within` seconds after
      start (then `stale`, 503, as below);
    - `ok` (200) while the last cycle ran to its end less than `healthy_within` seconds ago,
      `stale` (503) once it is older (a cycle hangs);
    - `paused` or `error` (503) while the last cycle ended so: the connection cannot sync.
    """

    healthy_within: float
    started_at: float = field(default_factory=time.time)
    last_success_at: float | None = None
    last_error: str | None = None
    last_status: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def succeeded(self, status: str = "ok", error: str | None = None) -> None:
        with self._lock:
            self.last_success_at, self.last_status, self.last_error = time.time(), status, error

    def failed(self, status: str, error: str) -> None:
        with self._lock:
            self.last_status, self.last_error = status, error

    def report(self, now: float | None = None) -> tuple[bool, dict]:
        now = now or time.time()
        with self._lock:
            if self.last_status in CANNOT_SYNC:
                healthy, state = False, self.last_status
            elif self.last_success_at is not None:
                healthy = now - self.last_success_at <= self.healthy_within
                state = "ok" if healthy else "stale"
            else:
                healthy = now - self.started_at <= self.healthy_within
                state = "starting" if healthy else "stale"
            return healthy, {
                "status": state,
                "last_success": _iso(self.last_success_at),
                "last_cycle_status": self.last_status,
                "last_error": self.last_error,
                "healthy_within_seconds": self.healthy_within,
                "started": _iso(self.started_at),
            }


def _iso(moment: float | None) -> str | None:
    return None if moment is None else datetime.fromtimestamp(moment, timezone.utc).isoformat()


class HealthServer:
    """GET /healthz (200 or 503, JSON) and GET /metrics (Prometheus text) on bind:port."""

    def __init__(self, health: Health, metrics: Metrics, bind: str = "127.0.0.1", port: int = 0) -> None:
        handler = _handler_class(health, metrics)
        try:
            self._server = ThreadingHTTPServer((bind, port), handler)
        except OSError as exc:
            raise SyncsvcError(f"cannot listen on {bind}:{port} for /healthz and /metrics ({exc.strerror}): "
                               f"change [service].health_port or health_bind") from None
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="health-http", daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> "HealthServer":
        self._thread.start()
        log.info("health and metrics on http://%s:%d/healthz and /metrics", *self._server.server_address[:2])
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler_class(health: Health, metrics: Metrics):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            path = self.path.split("?", 1)[0]
            if path == "/healthz":
                healthy, body = health.report()
                self._send(200 if healthy else 503, "application/json", json.dumps(body).encode())
            elif path == "/metrics":
                self._send(200, "text/plain; version=0.0.4; charset=utf-8", metrics.render().encode())
            else:
                self._send(404, "text/plain; charset=utf-8", b"not found: try /healthz or /metrics\n")

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args) -> None:  # noqa: A002 - monitors poll often; keep logs quiet
            log.debug("health listener: " + format, *args)

    return Handler
