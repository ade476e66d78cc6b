"""KeapRestClient: auth, rate limit, the SDK caller and RestOrderSource wired together from settings."""

from __future__ import annotations

import random as _random
from typing import Callable
from zoneinfo import ZoneInfo

import httpx

from syncsvc import stopping
from syncsvc.config import ENV, Settings
from syncsvc.errors import ConfigError
from syncsvc.infusionsoft.auth import Auth, oauth_from_settings
from syncsvc.infusionsoft.endpoints import check_keap_url
from syncsvc.infusionsoft.quota import quota_limiter
from syncsvc.infusionsoft.rest.auth import BearerServiceKey
from syncsvc.infusionsoft.rest.caller import RestCaller
from syncsvc.infusionsoft.rest.convert import Account
from syncsvc.infusionsoft.rest.source import RestOrderSource
from syncsvc.infusionsoft.retrying import RetryPolicy
from syncsvc.ratelimit import SlidingWindowLimiter
from syncsvc.tokens import TokenStore


class KeapRestClient:
    """`client.source` (RestOrderSource), `client.zone`, `client.rest_calls` (HTTP requests made)."""

    def __init__(self, caller: RestCaller, account: Account, page_size: int = 1000,
                 token_http: httpx.Client | None = None) -> None:
        self.caller = caller
        self.zone = account.zone
        self.source = RestOrderSource(caller, account, page_size=page_size)
        self._token_http = token_http

    @property
    def rest_calls(self) -> int:
        """REST requests sent so far (every attempt, retries and 401 re-sends included)."""
        return self.caller.calls

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        token_store: TokenStore | None = None,
        *,
        limiter: SlidingWindowLimiter | None = None,
        sleep: Callable[[float], None] = stopping.sleep,
        random: Callable[[], float] = _random.random,
    ) -> "KeapRestClient":
        """Build a client from `[infusionsoft]` settings and secrets from the environment.

        auth = "service_key" reads SYNCSVC_INFUSIONSOFT_API_KEY (sent as a Bearer token); "oauth"
        reads the client id/secret and keeps tokens in `token_store` (seeded once from
        SYNCSVC_INFUSIONSOFT_REFRESH_TOKEN when empty; an in-memory store when None).
        """
        conf = settings.infusionsoft
        check_keap_url(conf.rest_base_url, "rest_base_url")
        if conf.auth == "oauth":
            check_keap_url(conf.token_url, "token_url")
        token_http: httpx.Client | None = None
        auth: Auth
        if conf.auth == "oauth":
            token_http = httpx.Client(timeout=conf.timeout_seconds)
            auth = oauth_from_settings(settings, token_store, token_http)
        elif conf.auth == "service_key":
            auth = BearerServiceKey(settings.secret("infusionsoft_api_key"))
        else:
            raise ConfigError(
                f"[infusionsoft].auth = {conf.auth!r} does not work with REST v2: use \"service_key\" or "
                f"\"oauth\" (set {ENV['config_path']})"
            )
        if limiter is None:
            limiter = quota_limiter(conf, sleep)
        caller = RestCaller(
            conf.rest_base_url,
            auth,
            limiter=limiter,
            policy=RetryPolicy(max_attempts=conf.max_attempts),
            timeout=conf.timeout_seconds,
            sleep=sleep,
            random=random,
        )
        # Keap states a currency with every amount; one it leaves out is taken in the books' currency.
        account = Account(zone=ZoneInfo(conf.timezone), currency=settings.sync.engine.currency)
        return cls(caller, account, page_size=conf.page_size, token_http=token_http)

    def close(self) -> None:
        self.caller.close()
        if self._token_http is not None:
            self._token_http.close()

    def __enter__(self) -> "KeapRestClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


__all__ = ["KeapRestClient"]
