"""API calls, throttles and retries as events the clients publish and anyone may count.

The clients call `emit(api, event)`; the daemon's metrics subscribe. Kept
apart from both so the clients import nothing of the service layer.
"""

from __future__ import annotations

import threading
from typing import Callable

CALL, THROTTLE, RETRY = "call", "throttle", "retry"

Listener = Callable[[str, str], None]  # (api, event), api: "infusionsoft" | "quickbooks"

_listeners: list[Listener] = []
_lock = threading.Lock()


def subscribe(listener: Listener) -> Callable[[], None]:
    """Start passing events to `listener`; returns the function that stops it."""
    with _lock:
        _listeners.append(listener)

    def unsubscribe() -> None:
        with _lock:
            if listener in _listeners:
                _listeners.remove(listener)

    return unsubscribe


def emit(api: str, event: str) -> None:
    for listener in tuple(_listeners):
        listener(api, event)
