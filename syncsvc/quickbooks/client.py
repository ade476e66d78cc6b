"""Wiring: from Settings (+ a TokenStore) to python-quickbooks clients for one company.

    company = open_company(settings)               # tokens from the state database
    qb = company.client()                          # one per thread
    customer.save(qb=qb)                           # python-quickbooks objects work as usual
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from syncsvc import stopping
from syncsvc.errors import ConfigError
from syncsvc.quickbooks.access import CompanyTokens
from syncsvc.quickbooks.endpoints import Endpoints
from syncsvc.quickbooks.limits import CompanyLimits, limits_for
from syncsvc.quickbooks.oauth import make_auth_client
from syncsvc.quickbooks.retry import RetryPolicy
from syncsvc.quickbooks.session import SyncQuickBooks
from syncsvc.quickbooks.transport import configure as configure_transport
from syncsvc.tokens import TokenStore

PROVIDER = "quickbooks"


@dataclass
class QuickBooksCompany:
    """Everything the clients of one company share: settings, tokens, limits and retry policy."""

    settings: object  # QuickBooksSettings
    endpoints: Endpoints
    realm_id: str
    tokens: CompanyTokens
    limits: CompanyLimits
    retry_policy: RetryPolicy
    auth_client: object  # IntuitAuthClient (holds client id/secret; never logged)

    def client(self) -> SyncQuickBooks:
        """A new python-quickbooks client for this company (not thread-safe: one per thread)."""
        qb = SyncQuickBooks(
            auth_client=self.auth_client,
            company_id=self.realm_id,
            minorversion=self.settings.minor_version,
            use_decimal=True,  # money stays Decimal
        )
        qb.company = self
        qb.timeout = self.settings.timeout_seconds
        qb.session.use_proxy(self.settings.proxy)
        # python-quickbooks picks api_url_v3 for any environment but the literal "sandbox".
        qb.api_url_v3 = qb.sandbox_api_url_v3 = self.endpoints.api_base_url
        return qb


def open_company(
    settings,
    store: TokenStore | None = None,
    *,
    realm_id: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    sleep: Callable[[float], None] = stopping.sleep,
    random_fn: Callable[[], float] = random.random,
) -> QuickBooksCompany:
    """The company `realm_id` (default [quickbooks].realm_id, else the only connected one).

    `store` defaults to the encrypted SqlTokenStore in settings.state.database_url.
    """
    qb_settings = settings.quickbooks
    endpoints = Endpoints.from_settings(qb_settings)
    realm_id = realm_id or qb_settings.realm_id or _only_connected_realm(settings)
    if store is None:
        from syncsvc.store.tokens import SqlTokenStore, TokenCipher

        store = SqlTokenStore(
            settings.state.database_url, connection=settings.connection.name, provider=PROVIDER,
            account=realm_id, cipher=TokenCipher.from_settings(settings),
        )
    auth_client = make_auth_client(
        qb_settings,
        client_id or settings.secret("quickbooks_client_id"),
        client_secret or settings.secret("quickbooks_client_secret"),
        realm_id=realm_id,
    )
    # Token refreshes obey [quickbooks].proxy too (its discovery GET, made as it was built, was not).
    configure_transport(auth_client, qb_settings.proxy)
    tokens = CompanyTokens(realm_id, store, auth_client, timedelta(seconds=qb_settings.refresh_margin_seconds))
    return QuickBooksCompany(
        settings=qb_settings,
        endpoints=endpoints,
        realm_id=realm_id,
        tokens=tokens,
        limits=limits_for(endpoints.api_base_url, realm_id, qb_settings, sleep=sleep),
        retry_policy=RetryPolicy.from_settings(qb_settings, sleep=sleep, random=random_fn),
        auth_client=auth_client,
    )


def _only_connected_realm(settings) -> str:
    from syncsvc.store.tokens import SqlTokenStore

    realms = SqlTokenStore.accounts(settings.state.database_url, connection=settings.connection.name, provider=PROVIDER)
    if len(realms) == 1:
        return realms[0]
    if not realms:
        raise ConfigError("no QuickBooks company is connected: run `syncsvc connect quickbooks`")
    raise ConfigError(
        f"several QuickBooks companies are connected ({', '.join(realms)}): set [quickbooks].realm_id"
    )
