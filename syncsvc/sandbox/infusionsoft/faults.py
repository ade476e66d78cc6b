"""The XML-RPC faults Infusionsoft answers with, by its own codes and wording (notes §4.2).

faultString is "[Name]message"; the code table is the one every client gem copies.
The dispatcher faults (parse, handler, method matching) carry no "[Name]" prefix.
"""

from __future__ import annotations

from xmlrpc.client import Fault

CODES = {
    "InvalidConfig": 1, "InvalidKey": 2, "UnexpectedError": 3, "DatabaseError": 4, "RecordNotFound": 5,
    "LoadingError": 6, "NoTableAccess": 7, "NoFieldAccess": 8, "NoTableFound": 9, "NoFieldFound": 10,
    "NoFieldsError": 11, "InvalidParameter": 12, "FailedLoginAttempt": 13, "NoAccess": 14,
    "FailedLoginAttemptPasswordExpired": 15,
}

PARSE_ERROR = "Failed to parse XML-RPC request: Premature end of file."
THROTTLED = (
    "Server encountered exception: com.infusionsoft.throttle.ThrottlingException: "
    "Maximum number of threads throttled"
)

# Codes for dispatcher faults are unconfirmed; 0 is what the parse fault is seen with,
# -1 is how one PHP client rendered "No method matching arguments".
DISPATCH_CODE = 0
NO_METHOD_MATCHING_CODE = -1


def api_fault(name: str, message: str) -> Fault:
    return Fault(CODES[name], f"[{name}]{message}")


def fault_from_string(fault_string: str) -> Fault:
    """A fault for an injected faultString like "[DatabaseError]Error returning results"."""
    if fault_string.startswith("[") and "]" in fault_string:
        name = fault_string[1 : fault_string.index("]")]
        return Fault(CODES.get(name, CODES["UnexpectedError"]), fault_string)
    return Fault(DISPATCH_CODE, fault_string)


def invalid_key() -> Fault:
    return api_fault("InvalidKey", "Invalid Key")


def record_not_found(table: str, record_id) -> Fault:
    return api_fault("RecordNotFound", f"Record was not found: {table} Id:{record_id}")


def invalid_parameter(message: str) -> Fault:
    return api_fault("InvalidParameter", message)


def no_such_handler(method: str) -> Fault:
    return Fault(DISPATCH_CODE, f"No such handler: {method}")


def no_method_matching(java_types: list[str]) -> Fault:
    return Fault(NO_METHOD_MATCHING_CODE, "No method matching arguments: " + ", ".join(java_types))


def parse_error() -> Fault:
    return Fault(DISPATCH_CODE, PARSE_ERROR)


def throttled() -> Fault:
    # PHP clients print this one as "[500] Server encountered exception: ...": code 500.
    return Fault(500, THROTTLED)
