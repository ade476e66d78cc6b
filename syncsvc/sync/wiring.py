"""Settings -> the pieces a run needs: Infusionsoft source, QuickBooks client, state store."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from syncsvc.config import Settings
from syncsvc.infusionsoft import sunset
from syncsvc.store.state import Fence, StateStore

log = logging.getLogger(__name__)


@dataclass
class SyncParts:
    source: object  # OrderSource
    qb: object  # python-quickbooks client
    state: StateStore


def state_store(settings: Settings, fence: Fence | None = None) -> StateStore:
    from syncsvc.store.db import make_engine

    return StateStore(make_engine(settings.state.database_url, durable=False), settings.connection.name, fence)


@contextmanager
def open_parts(settings: Settings, *, upgrade_schema: bool = True, fence: Fence | None = None) -> Iterator[SyncParts]:
    """Open the Infusionsoft client, the QuickBooks company (tokens from the state database) and
    the state store; closes what it opened. `fence`: the lease this process must still hold before
    each QuickBooks write (syncsvc/service/locking.py)."""
    from syncsvc.quickbooks.client import open_company
    from syncsvc.store.db import upgrade

    if upgrade_schema:
        upgrade(settings.state.database_url)
    state = state_store(settings, fence)
    company = open_company(settings)
    try:
        with infusionsoft_client(settings) as infusionsoft:
            yield SyncParts(infusionsoft.source, company.client(), state)
    finally:
        state.engine.dispose()
    if settings.infusionsoft.api == "xmlrpc":
        # After the work, not before: once Keap has switched XML-RPC off, the failure is the one line.
        log.warning(sunset.notice())


def infusionsoft_client(settings: Settings):
    """The Keap client `[infusionsoft].api` names: REST v2 (default) or XML-RPC (until Keap's sunset)."""
    if settings.infusionsoft.api == "xmlrpc":
        from syncsvc.infusionsoft.client import InfusionsoftClient

        return InfusionsoftClient.from_settings(settings, infusionsoft_token_store(settings))
    from syncsvc.infusionsoft.rest.client import KeapRestClient

    return KeapRestClient.from_settings(settings, infusionsoft_token_store(settings))


def infusionsoft_token_store(settings: Settings):
    """auth = "oauth": Keap tokens live encrypted in the state database (they rotate on refresh)."""
    if settings.infusionsoft.auth != "oauth":
        return None
    from syncsvc.store.tokens import SqlTokenStore, TokenCipher

    return SqlTokenStore(settings.state.database_url, connection=settings.connection.name, provider="infusionsoft",
                         account="default", cipher=TokenCipher.from_settings(settings))
