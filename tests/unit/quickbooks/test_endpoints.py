"""Plain http is for loopback only; nothing flips the process-wide OAuthlib switch."""

import os

import pytest
from oauthlib.oauth2 import InsecureTransportError

from syncsvc.config import settings_from_dict
from syncsvc.errors import ConfigError
from syncsvc.quickbooks.endpoints import Endpoints, check_url, is_allowed_transport
from syncsvc.quickbooks.transport import LoopbackAwareOAuth2Session
from syncsvc.sandbox.httpserver import LoopbackServer, Response


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/v3", "http://127.9.8.7/v3", "http://[::1]:5000/v3", "http://localhost:1/v3",
    "https://quickbooks.api.intuit.com/v3", "https://10.0.0.5/v3",
])
def test_allowed(url):
    assert is_allowed_transport(url)


@pytest.mark.parametrize("url", [
    "http://quickbooks.api.intuit.com/v3", "http://10.0.0.5/v3", "http://128.0.0.1/v3",
    "http://localhost.example.com/v3", "ftp://127.0.0.1/v3", "quickbooks.api.intuit.com/v3",
])
def test_refused(url):
    assert not is_allowed_transport(url)
    with pytest.raises(ConfigError, match=r"\[quickbooks\].api_base_url.*loopback"):
        check_url(url, "[quickbooks].api_base_url")


def test_settings_choose_production_intuit_sandbox_or_ours():
    assert Endpoints.from_settings(settings_from_dict({}).quickbooks).api_base_url == "https://quickbooks.api.intuit.com/v3"
    ours = settings_from_dict({"quickbooks": {"api_base_url": "http://127.0.0.1:9/v3/",
                                              "discovery_url": "http://127.0.0.1:9/.well-known/openid_configuration/"}})
    assert Endpoints.from_settings(ours.quickbooks).api_base_url == "http://127.0.0.1:9/v3"
    bad = settings_from_dict({"quickbooks": {"discovery_url": "http://intuit.example/.well-known/"}})
    with pytest.raises(ConfigError, match="discovery_url"):
        Endpoints.from_settings(bad.quickbooks)


def test_session_sends_to_loopback_http_without_the_global_switch():
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ
    seen = []

    def app(request):
        seen.append(request.header("Authorization"))
        return Response(200, "{}", "application/json")

    with LoopbackServer(app) as server:
        session = LoopbackAwareOAuth2Session("client", token={"access_token": "AT-1"})
        assert session.request("GET", server.url + "/v3/x", timeout=5).status_code == 200
    assert seen == ["Bearer AT-1"]
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ


def test_session_refuses_plain_http_elsewhere_before_sending():
    session = LoopbackAwareOAuth2Session("client", token={"access_token": "AT-1"})
    with pytest.raises(InsecureTransportError):
        session.request("GET", "http://192.0.2.1/v3/company/1/query", timeout=0.1)
