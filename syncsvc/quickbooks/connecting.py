"""Connecting a QuickBooks company: the authorization-code flow, or importing a refresh token.

Both end the same way: tokens stored (encrypted) under the company's realm id,
any "reconnect" mark cleared.
"""

from __future__ import annotations

import queue
import secrets
from dataclasses import dataclass
from html import escape
from typing import Callable
from urllib.parse import urlsplit

from syncsvc.errors import ConfigError
from syncsvc.quickbooks.endpoints import is_loopback_host
from syncsvc.quickbooks.errors import QuickBooksError
from syncsvc.quickbooks.oauth import authorization_url, exchange_code, make_auth_client, refresh_token_set
from syncsvc.sandbox.httpserver import LoopbackServer, Request, Response
from syncsvc.tokens import TokenStore


class ConnectFailed(QuickBooksError):
    """The authorization was refused, timed out or came back with the wrong state."""


@dataclass(frozen=True)
class Redirect:
    code: str
    state: str
    realm_id: str


def import_refresh_token(qb_settings, client_id: str, client_secret: str, realm_id: str, refresh_token: str,
                         store_for: Callable[[str], TokenStore]) -> None:
    """Validate a refresh token obtained elsewhere by refreshing it once, then store the result."""
    auth_client = make_auth_client(qb_settings, client_id, client_secret, realm_id=realm_id)
    tokens = refresh_token_set(auth_client, refresh_token)  # the imported token is dead from here on
    store_for(realm_id).save(tokens)


def authorize_interactively(qb_settings, client_id: str, client_secret: str,
                            store_for: Callable[[str], TokenStore],
                            show_url: Callable[[str], None], timeout: float) -> str:
    """Run the code flow: show the authorize URL, wait for the redirect, exchange the code. Returns the realm id."""
    redirect = urlsplit(qb_settings.redirect_uri)
    if not is_loopback_host(redirect.hostname) or not redirect.port:
        raise ConfigError(
            f"[quickbooks].redirect_uri = {qb_settings.redirect_uri!r} is not a loopback address with a port, "
            "so this machine cannot receive the redirect: use --realm-id and --refresh-token instead"
        )
    auth_client = make_auth_client(qb_settings, client_id, client_secret)
    state = secrets.token_urlsafe(24)
    answers: queue.Queue = queue.Queue()

    def on_request(request: Request) -> Response:
        if request.path != (redirect.path or "/"):
            return Response(404, "not found")
        if request.query.get("error"):
            answers.put(ConnectFailed(f"authorization refused: {request.query['error']}"))
            return _page("QuickBooks did not grant access. You can close this window.", 400)
        if not secrets.compare_digest(request.query.get("state", ""), state):
            answers.put(ConnectFailed("the redirect's state does not match (possible CSRF); try again"))
            return _page("This authorization does not belong to the running `syncsvc connect`.", 400)
        if not request.query.get("code") or not request.query.get("realmId"):
            answers.put(ConnectFailed("the redirect lacks code or realmId"))
            return _page("The redirect lacks code or realmId.", 400)
        answers.put(Redirect(request.query["code"], request.query["state"], request.query["realmId"]))
        return _page("QuickBooks is connected to syncsvc. You can close this window.")

    with LoopbackServer(on_request, port=redirect.port):
        show_url(authorization_url(auth_client, state))
        try:
            answer = answers.get(timeout=timeout)
        except queue.Empty:
            raise ConnectFailed(f"no authorization redirect within {timeout:g} s") from None
    if isinstance(answer, Exception):
        raise answer
    tokens = exchange_code(auth_client, answer.code, answer.realm_id)
    store_for(answer.realm_id).save(tokens)
    return answer.realm_id


def _page(text: str, status: int = 200) -> Response:
    return Response(status, f"<!doctype html><title>syncsvc</title><p>{escape(text)}</p>", "text/html; charset=utf-8")
