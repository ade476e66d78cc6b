"""Plain http to a Keap host that is not loopback is refused before any key is sent (issue 10)."""

from __future__ import annotations

import pytest

from syncsvc.config import settings_from_dict
from syncsvc.errors import ConfigError
from syncsvc.infusionsoft.client import InfusionsoftClient
from syncsvc.infusionsoft.endpoints import check_keap_url
from syncsvc.infusionsoft.rest.client import KeapRestClient


@pytest.fixture(autouse=True)
def secrets(monkeypatch):
    monkeypatch.setenv("SYNCSVC_INFUSIONSOFT_API_KEY", "KeapAK-secret")
    monkeypatch.setenv("SYNCSVC_INFUSIONSOFT_CLIENT_ID", "id")
    monkeypatch.setenv("SYNCSVC_INFUSIONSOFT_CLIENT_SECRET", "client-secret")


def settings(**infusionsoft):
    return settings_from_dict({"infusionsoft": infusionsoft})


def refused(build, key: str) -> str:
    with pytest.raises(ConfigError) as caught:
        build()
    message = str(caught.value)
    assert f"[infusionsoft].{key}" in message and "https" in message and "clear text" in message
    assert "\n" not in message and "KeapAK-secret" not in message
    return message


@pytest.mark.parametrize("url", ["http://api.infusionsoft.com/crm/xmlrpc/v1", "http://10.0.0.5:8080/xmlrpc",
                                 "ftp://api.infusionsoft.com/crm", "api.infusionsoft.com/crm/xmlrpc/v1"])
def test_xmlrpc_base_url_over_plain_http_to_another_host_is_refused(url):
    refused(lambda: InfusionsoftClient.from_settings(settings(api="xmlrpc", base_url=url)), "base_url")


@pytest.mark.parametrize("url", ["http://api.keap.com/crm", "http://keap.example.com"])
def test_rest_base_url_over_plain_http_to_another_host_is_refused(url):
    refused(lambda: KeapRestClient.from_settings(settings(rest_base_url=url)), "rest_base_url")


def test_the_oauth_token_url_is_checked_too():
    refused(lambda: KeapRestClient.from_settings(settings(auth="oauth", token_url="http://api.infusionsoft.com/token")),
            "token_url")
    refused(lambda: InfusionsoftClient.from_settings(settings(api="xmlrpc", auth="oauth",
                                                              token_url="http://api.infusionsoft.com/token")),
            "token_url")


@pytest.mark.parametrize("url", ["https://api.infusionsoft.com/crm/xmlrpc/v1", "http://127.0.0.1:8000/crm",
                                 "http://localhost:9/crm", "http://[::1]:9/crm", "http://127.5.6.7/crm"])
def test_https_anywhere_and_plain_http_to_loopback_are_accepted(url):
    assert check_keap_url(url, "base_url") == url
    InfusionsoftClient.from_settings(settings(api="xmlrpc", base_url=url)).close()
    KeapRestClient.from_settings(settings(rest_base_url=url)).close()
