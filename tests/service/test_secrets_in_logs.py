"""No token, key or secret in any log line: a daemon cycle at debug level with OAuth on both sides."""

from __future__ import annotations

import json

from syncsvc.store.tokens import SqlTokenStore, TokenCipher
from syncsvc.tokens import token_set_from_response
from tests.e2e.conftest import PASSPHRASE
from tests.e2e.shop import Shop

from .conftest import wait_until, write_config


def test_a_debug_cycle_with_oauth_logs_no_secret(world, daemons, tmp_path, monkeypatch):
    keap, qbo = world.keap, world.qbo
    keap_tokens = keap.issue_oauth_tokens()
    monkeypatch.setenv("SYNCSVC_INFUSIONSOFT_CLIENT_ID", keap.CLIENT_ID)
    monkeypatch.setenv("SYNCSVC_INFUSIONSOFT_CLIENT_SECRET", keap.CLIENT_SECRET)
    monkeypatch.setenv("SYNCSVC_INFUSIONSOFT_REFRESH_TOKEN", keap_tokens["refresh_token"])
    qbo_tokens = qbo.issue_tokens(world.realm)
    SqlTokenStore(world.database_url, connection="default", provider="quickbooks", account=world.realm,
                  cipher=TokenCipher(PASSPHRASE)).save(token_set_from_response(qbo_tokens))
    qbo.expire_access_tokens(world.realm)  # the cycle has to refresh QuickBooks tokens too
    shop = Shop(keap.store)
    jane = shop.contact()
    _, invoice_id = shop.order(jane, (shop.product(price="9.99"), "9.99", 3))
    shop.charge(invoice_id, jane)
    config = write_config(world, tmp_path / "syncsvc.toml", log_format="json", interval_seconds=30.0,
                          infusionsoft={"auth": "oauth", "token_url": keap.token_url})

    daemon = daemons(config, "--verbose", "run")
    wait_until(lambda: '"message": "cycle 1 ok' in daemon.log(), 20, "the first cycle")
    assert daemon.terminate() == 0
    assert len(world.entities("Invoice")) == 1

    log = daemon.log()
    lines = log.splitlines()
    assert len(lines) > 20 and all(json.loads(line)["message"] is not None for line in lines)
    secrets = {
        keap.SERVICE_KEY, keap.CLIENT_SECRET, qbo.CLIENT_SECRET, PASSPHRASE,
        keap_tokens["access_token"], keap_tokens["refresh_token"],
        qbo_tokens["access_token"], qbo_tokens["refresh_token"],
        # every token the sandboxes issued during the cycle (refreshes rotate them)
        *keap.auth._access, *keap.auth._refresh, *qbo._app.oauth._access, *qbo._app.oauth._refresh,
    }
    leaked = sorted(secret for secret in secrets if secret in log)
    assert leaked == [], f"{len(leaked)} secrets in the log"
