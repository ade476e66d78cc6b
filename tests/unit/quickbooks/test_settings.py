"""[quickbooks] pacing and proxy settings: defaults under QBO's limits, a bad proxy named."""

import pytest

from syncsvc.config import settings_from_dict
from syncsvc.errors import ConfigError


def test_defaults_keep_a_margin_under_every_qbo_limit():
    qb = settings_from_dict({}).quickbooks
    assert qb.requests_per_minute < 500
    assert qb.batch_requests_per_minute == 39 and qb.batch_requests_per_minute < 40
    assert qb.max_in_flight == 4 and qb.max_in_flight < 10
    assert qb.proxy == ""


def test_proxy_and_batch_limit_are_read():
    qb = settings_from_dict({"quickbooks": {"proxy": "http://proxy.example:3128",
                                            "batch_requests_per_minute": 20}}).quickbooks
    assert qb.proxy == "http://proxy.example:3128" and qb.batch_requests_per_minute == 20


@pytest.mark.parametrize("proxy", ["proxy.example:3128", "ftp://proxy.example", "http://", "http://a b"])
def test_a_proxy_that_is_not_an_http_url_is_refused(proxy):
    with pytest.raises(ConfigError, match=r"\[quickbooks\]\.proxy"):
        settings_from_dict({"quickbooks": {"proxy": proxy}})
