"""A threaded loopback HTTP server that both sandboxes run on.

A request whose body ends before its Content-Length is dropped unanswered and
never reaches the sandbox. Responses are written in one send with TCP_NODELAY set: http.server's separate
small writes otherwise stall ~40 ms per keep-alive request (Nagle + delayed ACK),
and throughput measured against the sandbox would measure that stall.
"""

from __future__ import annotations

import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterable
from urllib.parse import parse_qs, urlsplit

LOOPBACK = "127.0.0.1"


class Request:
    """What a sandbox handler sees of one HTTP request."""

    def __init__(self, method: str, target: str, headers, body: bytes, client: str) -> None:
        parts = urlsplit(target)
        self.method = method
        self.path = parts.path
        self.query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.headers = headers
        self.body = body
        self.client = client

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name, default)


class Response:
    def __init__(
        self,
        status: int = 200,
        body: bytes | str = b"",
        content_type: str = "text/plain; charset=utf-8",
        headers: Iterable[tuple[str, str]] = (),
        drop_connection: bool = False,
    ) -> None:
        self.status = status
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.content_type = content_type
        self.headers = list(headers)
        # Close the socket without answering: the client sees a dropped connection.
        self.drop_connection = drop_connection


Handler = Callable[[Request], Response]


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "syncsvc-sandbox"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - http.server's name
        pass

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            # The client went away mid-body (a dropped connection, a killed process): a request cut short is
            # never handled, as a real server would not handle it, and there is nobody left to answer.
            self.close_connection = True
            return
        request = Request(self.command, self.path, self.headers, body, self.client_address[0])
        try:
            response = self.server.app(request)
        except Exception as exc:  # a sandbox bug must not hang the client
            response = Response(500, f"sandbox error: {exc!r}")
        if response.drop_connection:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        head = [f"HTTP/1.1 {response.status} {self.responses.get(response.status, ('',))[0]}"]
        head.append(f"Content-Type: {response.content_type}")
        head.append(f"Content-Length: {len(response.body)}")
        head.extend(f"{k}: {v}" for k, v in response.headers)
        if self.headers.get("Connection", "").lower() == "close":
            head.append("Connection: close")
            self.close_connection = True
        payload = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + response.body
        self.wfile.write(payload)
        self.wfile.flush()

    do_GET = do_POST = do_PUT = do_DELETE = _dispatch


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address) -> None:
        # A client that went away mid-request (killed, timed out) is the client's business, not
        # a sandbox failure worth a traceback on the console.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
            return
        super().handle_error(request, client_address)


class LoopbackServer:
    """Serves `app` on 127.0.0.1 in a background thread (port 0 picks a free one)."""

    def __init__(self, app: Handler, port: int = 0, host: str = LOOPBACK) -> None:
        self._server = _Server((host, port), _RequestHandler)
        self._server.app = app
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> "LoopbackServer":
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="sandbox-http", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def __enter__(self) -> "LoopbackServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class ServedSandbox:
    """Lifecycle shared by the sandboxes: they set `self._server` to a LoopbackServer."""

    _server: LoopbackServer

    def start(self):
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def port(self) -> int:
        return self._server.port
