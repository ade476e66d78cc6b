"""QBO's fault envelopes, raised as `QboFault` and rendered as QBO renders them.

Every error carries a string `code` (python-quickbooks does `int(code)` and a
missing code crashes it), and the 401 answer uses QBO's separate lower-case
envelope with a WWW-Authenticate header.
"""

from __future__ import annotations

import json

from syncsvc.sandbox.httpserver import Response

JSON_TYPE = "application/json;charset=utf-8"


class QboFault(Exception):
    """One QBO fault: HTTP status, fault type and one or more errors."""

    def __init__(self, code: int | str, message: str, detail: str, *, status: int = 400,
                 fault_type: str = "ValidationFault", element: str = "") -> None:
        super().__init__(f"{code} {message}: {detail}")
        self.status = status
        self.fault_type = fault_type
        self.errors = [{"Message": message, "Detail": detail, "code": str(code), "element": element}]

    def envelope(self) -> dict:
        return {"Fault": {"Error": self.errors, "type": self.fault_type}}


# Builders for the faults the sandbox raises, named after QBO's messages.

def unsupported_property(entity: str, prop: str) -> QboFault:
    return QboFault(2010, "Request has invalid or unsupported property",
                    f'Property Name:Unrecognized field "{prop}" (class com.intuit.schema.finance.v3.{entity}), '
                    "not marked as ignorable specified is unsupported or invalid", element=prop)


def required_missing(prop: str) -> QboFault:
    return QboFault(2020, "Required param missing, need to supply the required value for the API",
                    f"Required parameter {prop} is missing in the request", element=prop)


def invalid_reference(kind: str, ref_id: str) -> QboFault:
    return QboFault(2500, "Invalid Reference Id", f"Invalid Reference Id : {kind} element id {ref_id} not found")


def object_not_found(detail: str = "Another user has deleted this transaction.") -> QboFault:
    return QboFault(610, "Object Not Found", f"Object Not Found : {detail}")


def inactive_reference(kind: str, ref_id: str) -> QboFault:
    return QboFault(610, "Object Not Found",
                    "Object Not Found : Something you're trying to use has been made inactive. "
                    f"Check the fields with accounts, customers, items, vendors or employees. ({kind} {ref_id})")


def string_length(prop: str, maximum: int, supplied: int) -> QboFault:
    return QboFault(2050, "String length is either shorter or longer than supported by specification",
                    f"String length specified does not match the supported length. Min:0 Max:{maximum} "
                    f"supplied:{supplied}", element=prop)


def invalid_enumeration(value: str) -> QboFault:
    return QboFault(2170, "Invalid Enumeration", f"Invalid Enumeration : {value}")


def stale_object() -> QboFault:
    return QboFault(5010, "Stale Object Error",
                    "Stale Object Error : You and sandbox were working on this at the same time. "
                    "sandbox finished before you did, so your work was not saved.")


def business_validation(detail: str) -> QboFault:
    return QboFault(6000, "A business validation error has occurred while processing your request",
                    f"Business Validation Error: {detail}")


def duplicate_name(what: str = "customer") -> QboFault:
    return QboFault(6240, "Duplicate Name Exists Error",
                    f"The name supplied already exists. : Another {what} is already using this name. "
                    "Please use a different name.")


def duplicate_doc_number(doc_number: str, txn_type: str, txn_id: str) -> QboFault:
    return QboFault(6140, "Duplicate Document Number Error",
                    "Duplicate Document Number Error : You must specify a different number. This number has "
                    f"already been used. DocNumber={doc_number} is assigned to TxnType={txn_type} with TxnId={txn_id}")


def unsupported_operation(operation: str) -> QboFault:
    return QboFault(500, "Unsupported Operation", f"Operation {operation} is not supported.")


def parse_error(detail: str) -> QboFault:
    return QboFault(4000, "Error parsing query", f"QueryParserError: {detail}")


def invalid_query(detail: str) -> QboFault:
    return QboFault(4001, "Invalid query", f"QueryValidationError: {detail}")


def malformed_request(detail: str) -> QboFault:
    return QboFault(2010, "Request has invalid or unsupported property", detail)


def system_fault() -> QboFault:
    return QboFault(10000, "An application error has occurred while processing your request",
                    "System Failure Error: An unexpected error occurred while accessing or saving your data. "
                    "Please wait a few minutes and try again. If the problem persists, contact customer support.",
                    status=500, fault_type="SystemFault")


def throttled() -> QboFault:
    return QboFault(3001, "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                    "The request limit was reached.  Try again later", status=429, fault_type="SERVICE")


def fault_response(fault: QboFault, time_text: str) -> Response:
    body = {**fault.envelope(), "time": time_text}
    return Response(fault.status, json.dumps(body), JSON_TYPE)


def throttle_xml_response(time_text: str) -> Response:
    # QBO historically sent this XML even to clients asking for JSON.
    body = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<IntuitResponse time="{time_text}" xmlns="http://schema.intuit.com/finance/v3">\n'
        '  <Fault type="SERVICE">\n'
        '    <Error code="3001">\n'
        "      <Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>\n"
        "      <Detail>The request limit was reached.  Try again later</Detail>\n"
        "    </Error>\n"
        "  </Fault>\n"
        "</IntuitResponse>\n"
    )
    return Response(429, body, "application/xml")


def unauthorized_response(detail: str, epoch_millis: int) -> Response:
    body = {
        "warnings": None, "intuitObject": None,
        "fault": {"error": [{"message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                             "detail": detail, "code": "3200", "element": None}],
                  "type": "AUTHENTICATION"},
        "report": None, "queryResponse": None, "batchItemResponse": [], "attachableResponse": [],
        "syncErrorResponse": None, "requestId": None, "time": epoch_millis, "status": None, "cdcresponse": [],
    }
    return Response(401, json.dumps(body), "application/json",
                    headers=[("WWW-Authenticate", 'Bearer realm="Intuit", error="invalid_token"')])


def service_unavailable_html() -> Response:
    body = ("<!DOCTYPE html><html><head><title>503 Service Temporarily Unavailable</title></head>"
            "<body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>")
    return Response(503, body, "text/html")
