"""Faults are classified by code (and status) in one place, whatever python-quickbooks raised."""

import pytest
from quickbooks.exceptions import QuickbooksException

from syncsvc.errors import SyncsvcError
from syncsvc.quickbooks import errors as e


@pytest.mark.parametrize(
    "code, message, status, expected",
    [
        (6240, "Duplicate Name Exists Error", 400, e.DuplicateName),
        (6140, "Duplicate Document Number Error", 400, e.DuplicateDocNumber),
        (6210, "Duplicate Document Number Error", 400, e.DuplicateDocNumber),
        (6210, "Account Period Closed", 400, e.QuickBooksFault),
        (5010, "Stale Object Error", 400, e.StaleObject),
        (610, "Object Not Found", 400, e.ObjectNotFound),
        (2010, "Request has invalid or unsupported property", 400, e.ValidationFault),
        (4000, "Error parsing query", 400, e.ValidationFault),
        (6000, "A business validation error has occurred", 400, e.ValidationFault),
        (3001, "ThrottleExceeded", 429, e.Throttled),
        (3001, "ThrottleExceeded", None, e.Throttled),
        (0, "Too Many Requests", 429, e.Throttled),
        (100, "General Authentication Error", 401, e.AuthFault),
        (3200, "AuthenticationFailed", 401, e.AuthFault),
        (10000, "An application error has occurred", 500, e.ServerFault),
        (0, "Service Unavailable", 503, e.ServerFault),
    ],
)
def test_codes_map_to_types(code, message, status, expected):
    fault = e.classify_fault(str(code), message, "detail", status)
    assert type(fault) is expected
    assert fault.message == message and fault.detail == "detail" and fault.status == status


def test_only_throttling_and_server_faults_are_retriable():
    assert e.classify_fault(3001, "x").retriable
    assert e.classify_fault(10000, "x").retriable
    for code in (6240, 6140, 5010, 610, 2010, 6000, 100):
        assert not e.classify_fault(code, "x").retriable, code


def test_faults_stay_library_and_cli_exceptions():
    fault = e.classify_fault(6240, "Duplicate Name Exists Error", "The name supplied already exists.")
    assert isinstance(fault, QuickbooksException) and isinstance(fault, SyncsvcError)
    assert fault.error_code == 6240
    assert "6240" in str(fault) and "already exists" in str(fault)


def test_fault_envelopes_both_spellings():
    upper = {"Fault": {"Error": [{"Message": "Stale Object Error", "Detail": "d", "code": "5010"}],
                       "type": "ValidationFault"}}
    lower = {"fault": {"error": [{"message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                                  "detail": "Token expired", "code": "3200"}], "type": "AUTHENTICATION"}}
    assert isinstance(e.fault_from_body(upper, 400), e.StaleObject)
    assert isinstance(e.fault_from_body(lower, 401), e.AuthFault)
    assert e.fault_from_body({"QueryResponse": {}}, 200) is None


def test_throttle_carries_retry_after():
    fault = e.fault_from_body({"Fault": {"Error": [{"Message": "m", "code": "3001"}]}}, 429, retry_after=7.0)
    assert isinstance(fault, e.Throttled) and fault.retry_after == 7.0


def test_reconnect_message_names_the_company_and_the_command():
    err = e.QuickBooksReconnectRequired("123")
    assert str(err).startswith("QuickBooks company 123 needs reconnecting: run `syncsvc connect quickbooks`")
