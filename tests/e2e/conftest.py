"""Both sandboxes over real sockets, our real clients, a state database: the whole sync, end to end."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from syncsvc.config import settings_from_dict
from syncsvc.sandbox.infusionsoft import InfusionsoftSandbox
from syncsvc.sandbox.quickbooks import QuickBooksSandbox
from syncsvc.store.db import upgrade
from syncsvc.store.tokens import SqlTokenStore, TokenCipher
from syncsvc.sync.cycle import run_cycle
from syncsvc.sync.orders import sync_orders
from syncsvc.sync.wiring import open_parts, state_store
from syncsvc.tokens import token_set_from_response

PASSPHRASE = "e2e-test-key"
# These tests are about the books, not QuickBooks' batch pacing (39 of QBO's 40 batch requests a minute
# would stall the larger ones for a minute): lifted on both sides. The pacing has its own tests
# (integration/quickbooks_client/test_pacing.py, test_batched_writes.py).
BATCHES_PER_MINUTE = 100_000


@pytest.fixture(scope="session")
def qbo():
    with QuickBooksSandbox(batch_requests_per_minute=BATCHES_PER_MINUTE) as sandbox:
        yield sandbox


@pytest.fixture
def keap():
    with InfusionsoftSandbox() as sandbox:
        yield sandbox


@dataclass
class World:
    """One connection: an Infusionsoft account, a QBO company, a state database."""

    keap: InfusionsoftSandbox
    qbo: QuickBooksSandbox
    realm: str
    database_url: str
    sync_section: dict = field(default_factory=dict)
    quickbooks_section: dict = field(default_factory=dict)
    api: str = "rest"  # which Keap API the connection reads: "rest" (the default) or "xmlrpc"

    def settings(self, **sync):
        return settings_from_dict({
            "infusionsoft": self.infusionsoft_section(),
            "quickbooks": {"api_base_url": self.qbo.api_base_url, "discovery_url": self.qbo.discovery_url,
                           "realm_id": self.realm, "timeout_seconds": 5.0, "throttle_wait_seconds": 0.05,
                           "backoff_base_seconds": 0.01, "backoff_max_seconds": 0.2,
                           "batch_requests_per_minute": BATCHES_PER_MINUTE, **self.quickbooks_section},
            "state": {"database_url": self.database_url},
            "sync": {**self.sync_section, **sync},
        })

    def infusionsoft_section(self) -> dict:
        return {"api": self.api, "base_url": self.keap.xmlrpc_url, "rest_base_url": self.keap.url + "/crm",
                "timeout_seconds": 5.0, "requests_per_second": 10000, "requests_per_minute": 1000000}

    def config_file(self, folder) -> str:
        """A config file for the CLI (`main(["-c", path, ...])`) describing this connection."""
        settings = self.settings()
        path = folder / f"syncsvc-{self.api}.toml"
        infusionsoft = "".join(f'{key} = {value!r}\n'.replace("'", '"') for key, value in self.infusionsoft_section().items())
        path.write_text(
            f"[infusionsoft]\n{infusionsoft}"
            f'[quickbooks]\napi_base_url = "{self.qbo.api_base_url}"\ndiscovery_url = "{self.qbo.discovery_url}"\n'
            f'realm_id = "{self.realm}"\ntimeout_seconds = 5.0\nbatch_requests_per_minute = {BATCHES_PER_MINUTE}\n'
            f'[state]\ndatabase_url = "{settings.state.database_url}"\n'
        )
        return str(path)

    def cycle(self, **sync):
        settings = self.settings(**sync)
        with open_parts(settings, upgrade_schema=False) as parts:
            return run_cycle(parts.source, parts.qb, parts.state, settings.sync)

    def resync(self, order_ids, **sync):
        settings = self.settings(**sync)
        with open_parts(settings, upgrade_schema=False) as parts:
            return sync_orders(parts.source, parts.qb, parts.state, settings.sync, order_ids)

    def state(self):
        return state_store(self.settings())

    # what QuickBooks holds ------------------------------------------------------------

    def entities(self, entity: str) -> list[dict]:
        return self.qbo.entities(self.realm, entity)

    def invoice(self, doc_number: str) -> dict:
        found = [i for i in self.entities("Invoice") if i.get("DocNumber") == doc_number]
        assert len(found) == 1, f"{len(found)} invoices numbered {doc_number}"
        return found[0]

    def payments_for(self, invoice: dict) -> list[dict]:
        return [p for p in self.entities("Payment")
                if any(t["TxnId"] == invoice["Id"] for line in p["Line"] for t in line.get("LinkedTxn", []))]


def make_world(keap, qbo, database_url: str, monkeypatch, api: str = "rest", **sync) -> World:
    monkeypatch.setenv("SYNCSVC_INFUSIONSOFT_API_KEY", InfusionsoftSandbox.SERVICE_KEY)
    monkeypatch.setenv("SYNCSVC_QUICKBOOKS_CLIENT_ID", qbo.CLIENT_ID)
    monkeypatch.setenv("SYNCSVC_QUICKBOOKS_CLIENT_SECRET", qbo.CLIENT_SECRET)
    monkeypatch.setenv("SYNCSVC_SECRET_KEY", PASSPHRASE)
    realm = qbo.create_company(name="E2E Company")
    upgrade(database_url)
    SqlTokenStore(database_url, connection="default", provider="quickbooks", account=realm,
                  cipher=TokenCipher(PASSPHRASE)).save(token_set_from_response(qbo.issue_tokens(realm)))
    return World(keap, qbo, realm, database_url, dict(sync), api=api)


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'state.sqlite3'}"


@pytest.fixture(params=["rest", "xmlrpc"])
def keap_api(request) -> str:
    """Every end-to-end rule holds through both Keap APIs: REST v2 and XML-RPC (until its sunset)."""
    return request.param


@pytest.fixture
def world(keap, qbo, sqlite_url, monkeypatch, keap_api) -> World:
    return make_world(keap, qbo, sqlite_url, monkeypatch, api=keap_api)


@pytest.fixture
def any_db_world(keap, qbo, database_url, monkeypatch, keap_api) -> World:
    """The same world on SQLite and on PostgreSQL (the state-heavy cases)."""
    return make_world(keap, qbo, database_url, monkeypatch, api=keap_api)
