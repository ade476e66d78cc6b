"""Warnings about Keap data drift, logged once per distinct case.

REST v2 answers can drift from the contract (an enum value the SDK does not
know, a number where a string id belongs, a time without a zone). Each case is
worth one line in the log, not one per record: `Notices.once(key, ...)` logs
the first time a key is seen in this process and stays quiet after. The
process-wide `NOTICES` is what the source uses; tests make their own.
"""

from __future__ import annotations

import logging
import threading
from typing import Hashable

log = logging.getLogger("syncsvc.infusionsoft.rest")


class Notices:
    def __init__(self, logger: logging.Logger = log) -> None:
        self._log = logger
        self._seen: set[Hashable] = set()
        self._lock = threading.Lock()

    def once(self, key: Hashable, message: str, *args: object) -> bool:
        """Log `message % args` as a warning the first time `key` is seen; True when it was logged."""
        with self._lock:
            if key in self._seen:
                return False
            self._seen.add(key)
        self._log.warning(message, *args)
        return True


NOTICES = Notices()

__all__ = ["NOTICES", "Notices"]
