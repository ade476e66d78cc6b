"""The real client against the real Infusionsoft sandbox, over loopback sockets."""

from __future__ import annotations

import threading

import httpx
import pytest

from syncsvc.config import settings_from_dict
from syncsvc.infusionsoft.client import InfusionsoftClient
from syncsvc.sandbox.infusionsoft import InfusionsoftSandbox


class Sleeps(list):
    """Records backoff sleeps instead of waiting (the sandbox's failures are injected, not timed)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class CallLog(list):
    """XML-RPC method names the client sent, read off the wire by an httpx event hook."""

    def hook(self, request: httpx.Request) -> None:
        if request.url.path.endswith("/token"):
            self.append("token")
            return
        import re

        request.read()
        match = re.search(rb"<methodName>([^<]+)</methodName>", request.content)
        self.append(match.group(1).decode() if match else "?")


@pytest.fixture
def sandbox():
    sb = InfusionsoftSandbox().start()
    yield sb
    # stop() waits out serve_forever's 0.5 s poll; no test depends on it having finished.
    threading.Thread(target=sb.stop, daemon=True).start()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def calls() -> CallLog:
    return CallLog()


@pytest.fixture
def make_client(sandbox, sleeps, calls, monkeypatch):
    made: list[httpx.Client] = []
    monkeypatch.delenv("SYNCSVC_INFUSIONSOFT_REFRESH_TOKEN", raising=False)

    def make(auth: str = "service_key", key: str | None = InfusionsoftSandbox.SERVICE_KEY, token_store=None,
             sleep=None, client_secret: str = InfusionsoftSandbox.CLIENT_SECRET, **section) -> InfusionsoftClient:
        url = sandbox.legacy_url if auth == "legacy_key" else sandbox.xmlrpc_url
        if auth == "legacy_key" and key == InfusionsoftSandbox.SERVICE_KEY:
            key = InfusionsoftSandbox.LEGACY_KEY
        conf = {"api": "xmlrpc", "base_url": url, "auth": auth, "token_url": sandbox.token_url, "timeout_seconds": 5.0,
                # generous client-side limits: tests that exercise the limiter set their own
                "requests_per_second": 1000, "requests_per_minute": 100000, **section}
        if key is not None:
            monkeypatch.setenv("SYNCSVC_INFUSIONSOFT_API_KEY", key)
        monkeypatch.setenv("SYNCSVC_INFUSIONSOFT_CLIENT_ID", InfusionsoftSandbox.CLIENT_ID)
        monkeypatch.setenv("SYNCSVC_INFUSIONSOFT_CLIENT_SECRET", client_secret)
        settings = settings_from_dict({"infusionsoft": conf})
        http = httpx.Client(event_hooks={"request": [calls.hook]}, timeout=5.0)
        client = InfusionsoftClient.from_settings(
            settings, token_store, http=http, sleep=sleep or sleeps, random=lambda: 0.5
        )
        made.append(http)
        return client

    yield make
    for http in made:
        http.close()
