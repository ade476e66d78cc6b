"""Method lookup and Java-style overload matching.

The real server is Java (Apache XML-RPC): a call matches a method only if the
argument count and every argument's XML-RPC type fit one of its overloads, so an
int where a double is expected, or a missing key, is "No method matching
arguments". Signature letters: s string, i int, d double, b boolean,
t dateTime, m struct, a array.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable
from xmlrpc.client import DateTime

from . import faults
from .store import AccountStore
from .wire import java_type

_CHECKS: dict[str, Callable[[Any], bool]] = {
    "s": lambda v: isinstance(v, str),
    "i": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "d": lambda v: isinstance(v, float),
    "b": lambda v: isinstance(v, bool),
    "t": lambda v: isinstance(v, DateTime),
    "m": lambda v: isinstance(v, dict),
    "a": lambda v: isinstance(v, (list, tuple)),
}


@dataclass
class CallContext:
    store: AccountStore
    app_name: str = "sandbox"


Handler = Callable[..., Any]
# method name -> [(signature, handler)]; handlers get (context, *params) without the key.
Registry = dict[str, list[tuple[str, Handler]]]


def _fits(signature: str, params: tuple) -> bool:
    return len(signature) == len(params) and all(_CHECKS[c](p) for c, p in zip(signature, params))


def call(registry: Registry, context: CallContext, method: str, params: tuple) -> Any:
    overloads = registry.get(method)
    if overloads is None:
        raise faults.no_such_handler(method)
    for signature, handler in overloads:
        if _fits(signature, params):
            args = params[1:] if takes_key(method) else params
            return handler(context, *args)
    raise faults.no_method_matching([java_type(p) for p in params])


def takes_key(method: str) -> bool:
    """Every method takes the key first except DataService.getUserInfo (notes §3)."""
    return method != "DataService.getUserInfo"
