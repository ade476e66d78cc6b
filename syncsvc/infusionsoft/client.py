"""InfusionsoftClient: the transport, auth, DataService, InvoiceService and OrderSource wired together."""

from __future__ import annotations

import random as _random
from typing import Callable
from zoneinfo import ZoneInfo

import httpx

from syncsvc import stopping
from syncsvc.config import ENV, Settings
from syncsvc.errors import ConfigError
from syncsvc.infusionsoft.auth import Auth, LegacyKeyAuth, ServiceKeyAuth, oauth_from_settings
from syncsvc.infusionsoft.dataservice import DataService
from syncsvc.infusionsoft.endpoints import check_keap_url
from syncsvc.infusionsoft.invoiceservice import InvoiceService
from syncsvc.infusionsoft.quota import quota_limiter
from syncsvc.infusionsoft.records import PayPlan
from syncsvc.infusionsoft.source import XmlRpcOrderSource
from syncsvc.infusionsoft.retrying import RetryPolicy
from syncsvc.infusionsoft.transport import XmlRpcTransport
from syncsvc.ratelimit import SlidingWindowLimiter
from syncsvc.tokens import TokenStore


class InfusionsoftClient:
    """`client.data` (DataService), `client.invoices` (InvoiceService), `client.source` (OrderSource)."""

    def __init__(self, transport: XmlRpcTransport, http: httpx.Client, page_size: int = 1000, owns_http: bool = True) -> None:
        self.transport = transport
        self.zone = transport.zone
        self.data = DataService(transport, page_size)
        self.invoices = InvoiceService(transport)
        self.source = XmlRpcOrderSource(self.data, self.zone)
        self._http = http
        self._owns_http = owns_http

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        token_store: TokenStore | None = None,
        *,
        http: httpx.Client | None = None,
        limiter: SlidingWindowLimiter | None = None,
        sleep: Callable[[float], None] = stopping.sleep,
        random: Callable[[], float] = _random.random,
    ) -> "InfusionsoftClient":
        """Build a client from `[infusionsoft]` settings and secrets from the environment.

        auth = "service_key"/"legacy_key" read SYNCSVC_INFUSIONSOFT_API_KEY; "oauth" reads the
        client id/secret and keeps tokens in `token_store` (seeded once from
        SYNCSVC_INFUSIONSOFT_REFRESH_TOKEN when empty; an in-memory store when None).
        """
        conf = settings.infusionsoft
        check_keap_url(conf.base_url, "base_url")
        if conf.auth == "oauth":
            check_keap_url(conf.token_url, "token_url")
        owns_http = http is None
        http = http or httpx.Client(timeout=conf.timeout_seconds)
        auth: Auth
        if conf.auth == "oauth":
            auth = oauth_from_settings(settings, token_store, http)
        elif conf.auth == "legacy_key":
            auth = LegacyKeyAuth(settings.secret("infusionsoft_api_key"))
        elif conf.auth == "service_key":
            auth = ServiceKeyAuth(settings.secret("infusionsoft_api_key"))
        else:  # validated by config, kept for callers that build Settings by hand
            raise ConfigError(f"[infusionsoft].auth = {conf.auth!r} is not supported (set {ENV['config_path']})")
        if limiter is None:
            limiter = quota_limiter(conf, sleep)
        transport = XmlRpcTransport(
            conf.base_url,
            auth,
            ZoneInfo(conf.timezone),
            http,
            limiter=limiter,
            policy=RetryPolicy(max_attempts=conf.max_attempts),
            timeout=conf.timeout_seconds,
            sleep=sleep,
            random=random,
        )
        return cls(transport, http, page_size=conf.page_size, owns_http=owns_http)

    def payment_plan_for_invoice(self, invoice_id: int) -> PayPlan | None:
        """Payment plan details by invoice id, with its PayPlanItems (seed 000)."""
        plans = self.source.pay_plans_for_invoices([invoice_id])
        return plans[0] if plans else None

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> "InfusionsoftClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
