"""Log output for every command: readable text or JSON lines, with secrets redacted.

Our code never logs a secret on purpose; the redacting filter is defence in
depth against libraries (requests-oauthlib, intuit-oauth, urllib3 at debug
level) and exception texts that might. It sits on the handler, so it sees
every record from every logger, and redacts the message and any traceback.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
from datetime import datetime, timezone

from syncsvc.config import ENV

REDACTED = "[REDACTED]"
# Environment secrets whose values are redacted wherever they appear (client ids are not secret).
SECRET_ENV_NAMES = ("infusionsoft_api_key", "infusionsoft_client_secret", "infusionsoft_refresh_token",
                    "quickbooks_client_secret", "secret_key")
_PATTERNS = (
    (re.compile(r"\b(Bearer|Basic)\s+(?!HTTP/)[A-Za-z0-9._~+/=-]+", re.I), r"\1 " + REDACTED),
    (re.compile(r"""(["']?(?:access_token|refresh_token|id_token|client_secret|api_key|apikey|password|"""
                r"""x-keap-api-key|authorization)["']?\s*[:=]\s*["']?)(?!(?:Bearer|Basic)\s)[^"'&\s,;}]+""", re.I), r"\1" + REDACTED),
    (re.compile(r"(://[^:/@\s]+:)[^@\s]+@"), r"\1" + REDACTED + "@"),  # password in a URL
)
_MIN_SECRET_LENGTH = 6  # shorter values would blank ordinary words

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def add_secret(value: str | None) -> None:
    """Redact this exact value from every log line from now on."""
    if value and len(value) >= _MIN_SECRET_LENGTH:
        with _secrets_lock:
            _secrets.add(value)


def redact(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and exception when there is one)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, default=str)


CHATTY_LOGGERS = ("httpx", "apscheduler", "alembic")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test runners swap it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure_logging(log_format: str = "text", verbose: bool = False, stream=None) -> logging.Handler:
    """(Re)install syncsvc's handler on the root logger; replaces the one installed before."""
    for name in SECRET_ENV_NAMES:
        add_secret(os.environ.get(ENV[name]))
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_syncsvc", False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler._syncsvc = True
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for name in CHATTY_LOGGERS:  # one line per request or job at INFO: only with --verbose
        logging.getLogger(name).setLevel(logging.NOTSET if verbose else logging.WARNING)
    return handler
