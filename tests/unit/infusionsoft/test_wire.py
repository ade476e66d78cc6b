"""Responses with faults, invalid characters and broken bodies."""

from __future__ import annotations

import logging

import pytest

from syncsvc.infusionsoft import errors, wire

from .conftest import NEW_YORK, fault_xml

STRING_RESPONSE = (
    "<?xml version='1.0' encoding='UTF-8'?><methodResponse><params><param><value>"
    "<struct><member><name>FirstName</name><value>{}</value></member></struct>"
    "</value></param></params></methodResponse>"
)


def first_name(body: bytes) -> str:
    return wire.loads_response(body, NEW_YORK)["FirstName"]


@pytest.mark.parametrize(
    "fault, cls, name",
    [
        ((2, "[InvalidKey]Invalid Key"), errors.InvalidKeyFault, "InvalidKey"),
        ((4, "[4] [DatabaseError]Error returning results"), errors.InfusionsoftFault, "DatabaseError"),
        ((5, "[RecordNotFound]Record was not found"), errors.RecordNotFoundFault, "RecordNotFound"),
        ((10, "[NoFieldFound]No field found: Contact.given_name"), errors.NoSuchFieldFault, "NoFieldFound"),
        ((9, "[NoTableFound]No table found: Jobs"), errors.NoSuchFieldFault, "NoTableFound"),
        ((7, "[NoTableAccess]No access"), errors.NoAccessFault, "NoTableAccess"),
        ((8, "[NoFieldAccess]No field access: CCharge.CCId"), errors.NoAccessFault, "NoFieldAccess"),
        ((12, "[InvalidParameter]IN queries are only supported on Id fields"), errors.InvalidParameterFault, "InvalidParameter"),
        ((1, "[InvalidConfig]The configuration is invalid"), errors.TransientFault, "InvalidConfig"),
        ((-1, "No method matching arguments: java.lang.String, java.lang.String"), errors.MethodSignatureFault, None),
        ((0, "No such handler: InvoiceService.nope"), errors.MethodSignatureFault, None),
        ((3, "[500] Server encountered exception: com.infusionsoft.throttle.ThrottlingException: "
             "Maximum number of threads throttled"), errors.ThrottlingFault, None),
        ((0, "Failed to parse XML-RPC request: Premature end of file."), errors.TransientFault, None),
        ((5, "Record gone"), errors.RecordNotFoundFault, "RecordNotFound"),  # no prefix: by code
    ],
)
def test_faults_map_to_typed_errors(fault, cls, name):
    with pytest.raises(errors.InfusionsoftFault) as caught:
        wire.loads_response(fault_xml(*fault), NEW_YORK, "DataService.query")
    assert type(caught.value) is cls
    assert caught.value.name == name
    assert caught.value.code == fault[0]
    assert isinstance(caught.value, errors.SyncsvcError)
    assert "DataService.query" in str(caught.value)


@pytest.mark.parametrize(
    "cls, retryable",
    [
        (errors.TransientFault, True), (errors.ThrottlingFault, True), (errors.InvalidKeyFault, False),
        (errors.NoAccessFault, False), (errors.InvalidParameterFault, False), (errors.NoSuchFieldFault, False),
        (errors.RecordNotFoundFault, False), (errors.MethodSignatureFault, False),
    ],
)
def test_which_faults_are_retryable(cls, retryable):
    assert errors.is_retryable(cls(1, None, "x")) is retryable


def test_control_characters_are_removed_with_a_warning(caplog):
    body = STRING_RESPONSE.format("Ann\x01e\x0b &#x1;&#27;Smith").encode()
    with caplog.at_level(logging.WARNING, logger="syncsvc.infusionsoft.wire"):
        assert first_name(body) == "Anne Smith"
    assert "invalid in XML" in caplog.text
    assert "4 character" in caplog.text


def test_lone_surrogates_are_removed_but_emoji_survive(caplog):
    emoji = "\U0001F600"
    cases = {
        # raw UTF-8 emoji
        STRING_RESPONSE.format(f"Joy {emoji}").encode(): f"Joy {emoji}",
        # a Java server's surrogate pair as two character references
        STRING_RESPONSE.format("Joy &#xD83D;&#xDE00;").encode(): f"Joy {emoji}",
        # CESU-8: each surrogate encoded as three bytes
        STRING_RESPONSE.format("Joy ").encode().replace(b"Joy ", b"Joy \xed\xa0\xbd\xed\xb8\x80"): f"Joy {emoji}",
        # lone surrogates, as a reference and as raw bytes
        STRING_RESPONSE.format("Jo&#xD800;y").encode(): "Joy",
        STRING_RESPONSE.format("Jo y").encode().replace(b"Jo y", b"Jo\xed\xa0\x80y"): "Joy",
        # bytes that are not UTF-8 at all become U+FFFD instead of failing the parse
        STRING_RESPONSE.format("Jo y").encode().replace(b"Jo y", b"Jo\xffy"): "Jo\ufffdy",
    }
    for body, expected in cases.items():
        assert first_name(body) == expected


def test_string_whitespace_is_kept_but_typed_scalars_and_names_are_trimmed():
    body = (
        "<methodResponse><params><param><value><struct>"
        "<member><name>\n  Note\n  </name><value><string>  two  spaces  </string></value></member>"
        "<member><name>Flag</name><value><boolean>\n   1\n   </boolean></value></member>"
        "<member><name>When</name><value><dateTime.iso8601>\n 20261101T01:30:00 \n</dateTime.iso8601></value></member>"
        "<member><name>N</name><value><int> 7 </int></value></member>"
        "</struct></value></param></params></methodResponse>"
    ).encode()
    value = wire.loads_response(body, NEW_YORK)
    assert value["Note"] == "  two  spaces  "
    assert value["Flag"] is True
    assert value["N"] == 7
    assert value["When"].tzinfo is NEW_YORK and value["When"].hour == 1


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   \n",
        b"<?xml version='1.0'?><methodResponse><params><param><value><i4>8</i4></value>",
        b'{"fault":{"faultstring":"Rate limit quota violation"}}',
        b"<html><body>Bad gateway</body></html>",
    ],
)
def test_blank_truncated_and_foreign_bodies_are_malformed_responses(body):
    with pytest.raises(errors.MalformedResponse) as caught:
        wire.loads_response(body, NEW_YORK, "DataService.count")
    assert caught.value.retryable


def test_to_wire_types():
    from datetime import date, datetime, timezone
    from decimal import Decimal

    from syncsvc.infusionsoft.records import ItemType

    sent = wire.to_wire(
        [Decimal("5.06"), ItemType.TAX, date(2026, 3, 8), datetime(2026, 3, 8, 7, 30, tzinfo=timezone.utc), True],
        NEW_YORK,
    )
    assert sent == [5.06, 2, datetime(2026, 3, 8), datetime(2026, 3, 8, 3, 30), True]
    assert type(sent[1]) is int
    with pytest.raises(ValueError):
        wire.to_wire(datetime(2026, 1, 1), NEW_YORK)
