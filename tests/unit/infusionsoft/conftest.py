"""A scripted HTTP peer (httpx.MockTransport) for driving the real client without a network.

Each test queues the answers the API gives, in order, and reads back the
requests the client actually sent (decoded with the stdlib XML-RPC parser).
"""

from __future__ import annotations

import xmlrpc.client
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from syncsvc.infusionsoft.auth import ServiceKeyAuth
from syncsvc.infusionsoft.retrying import RetryPolicy
from syncsvc.infusionsoft.transport import XmlRpcTransport

FIXTURES = Path(__file__).parent / "fixtures"
NEW_YORK = ZoneInfo("America/New_York")
URL = "https://api.example.test/crm/xmlrpc/v1"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def response_xml(value) -> bytes:
    return xmlrpc.client.dumps((value,), methodresponse=True, allow_none=False).encode()


def fault_xml(code: int, text: str) -> bytes:
    return xmlrpc.client.dumps(xmlrpc.client.Fault(code, text), methodresponse=True).encode()


class ScriptedApi:
    def __init__(self) -> None:
        self.answers: list = []
        self.requests: list[httpx.Request] = []

    def answer(self, body: bytes = b"", status: int = 200, headers: dict | None = None) -> "ScriptedApi":
        self.answers.append(httpx.Response(status, content=body, headers=headers or {}))
        return self

    def fail(self, exc: Exception) -> "ScriptedApi":
        self.answers.append(exc)
        return self

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self.answers:
            raise AssertionError(f"unexpected extra request to {request.url}")
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def calls(self) -> list[tuple[str, tuple]]:
        out = []
        for request in self.requests:
            if request.url.path.endswith("/token"):
                continue
            params, method = xmlrpc.client.loads(request.content)
            out.append((method, params))
        return out


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def api() -> ScriptedApi:
    return ScriptedApi()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


# Keap's XML-RPC still answers on this day (it is switched off after 2026-12-31).
BEFORE_SUNSET = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def make_transport(api, sleeps):
    def make(auth=None, max_attempts: int = 4, random=lambda: 0.5, now=lambda: BEFORE_SUNSET) -> XmlRpcTransport:
        http = httpx.Client(transport=httpx.MockTransport(api.handler))
        return XmlRpcTransport(
            URL,
            auth or ServiceKeyAuth("KeapAK-unit-secret"),
            NEW_YORK,
            http,
            policy=RetryPolicy(max_attempts=max_attempts, initial_delay=0.5, max_delay=8.0),
            timeout=5.0,
            sleep=sleeps,
            random=random,
            now=now,
        )

    return make
