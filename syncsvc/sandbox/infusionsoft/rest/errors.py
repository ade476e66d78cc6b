"""REST v2 errors: the contract's Error body {code, message, status, details}."""

from __future__ import annotations

import json

# HTTP status -> the google.rpc status word Keap's Error.status carries.
STATUS_WORDS = {
    400: "INVALID_ARGUMENT",
    404: "NOT_FOUND",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
}


class RestError(Exception):
    """A refused REST call; `body` is what goes on the wire."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    @property
    def body(self) -> str:
        return error_body(self.status, self.message)


def error_body(status: int, message: str) -> str:
    return json.dumps({"code": status, "message": message, "status": STATUS_WORDS.get(status, "UNKNOWN"), "details": []})


def bad_request(message: str) -> RestError:
    return RestError(400, message)


def not_found(message: str) -> RestError:
    return RestError(404, message)
