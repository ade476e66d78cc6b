"""The Keap SDK (keap-core-v2-sdk) loaded lazily: only the APIs and models syncsvc uses.

`keap_core_v2_client/__init__.py` imports all 46 API classes and
`keap_core_v2_client/models/__init__.py` all 391 models, and pydantic builds
each model's validator and serializer as its class is created: importing any
part of the SDK cost the service about 60 MB of memory (measured: RSS 39 ->
100 MB), nearly all for models it never uses (it reads orders, payments,
transactions, contacts and products: about 100 model modules with what
they refer to, 18 MB).

`install()` registers in their place package modules whose names resolve
when first used (PEP 562 `__getattr__`), from the same
`from keap_core_v2_client... import Name` lines the SDK's own `__init__`
files carry: `from keap_core_v2_client.models import OrderV2` loads
`models/order_v2.py` and the models it imports, nothing else. Every name the
SDK exports stays reachable by the same spelling (`keap_core_v2_client.ApiClient`,
`keap_core_v2_client.models.Payment`, `from keap_core_v2_client.api import
OrdersApi`, submodules by their own names, `__version__`), and the SDK's own
`getattr(keap_core_v2_client.models, "ListOrdersResponse")` when its typed
methods deserialize. Installed by syncsvc/infusionsoft/rest/__init__.py before
the SDK is first imported; if something imported the SDK before, it is left
as it is (whole).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
import threading
import types
from pathlib import Path

SDK = "keap_core_v2_client"
LAZY_PACKAGES = (SDK, f"{SDK}.api", f"{SDK}.models")  # parents first
_lock = threading.Lock()


def install() -> bool:
    """Put the lazy packages in sys.modules; False (nothing done) when the SDK is already imported or is not
    laid out as expected (then it is imported whole, as usual)."""
    with _lock:
        if any(name in sys.modules for name in LAZY_PACKAGES):
            return isinstance(sys.modules.get(SDK), LazyPackage)
        packages = []
        try:
            for name in LAZY_PACKAGES:
                package = _lazy_package(name)
                sys.modules[name] = package  # before the next find_spec, which imports its parent
                packages.append(package)
        except (ImportError, OSError, SyntaxError, ValueError):
            for package in packages:
                sys.modules.pop(package.__name__, None)
            return False
        top = packages[0]
        for package in packages[1:]:
            setattr(top, package.__name__.rsplit(".", 1)[1], package)
        return True


class LazyPackage(types.ModuleType):
    """A package whose exported names are imported on first use (then kept as attributes)."""

    def __init__(self, name: str, exports: dict[str, tuple[str, str]]) -> None:
        super().__init__(name)
        self._exports = exports
        self.__all__ = list(exports)

    def __getattr__(self, attribute: str):
        exports = self.__dict__.get("_exports", {})
        if attribute in exports:
            module, name = exports[attribute]
            value = getattr(importlib.import_module(module), name)
        elif not attribute.startswith("__") and importlib.util.find_spec(f"{self.__name__}.{attribute}") is not None:
            value = importlib.import_module(f"{self.__name__}.{attribute}")  # a submodule, by its own name
        else:
            raise AttributeError(f"module {self.__name__!r} has no attribute {attribute!r}")
        setattr(self, attribute, value)
        return value

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._exports))


def _lazy_package(name: str) -> LazyPackage:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None or not spec.submodule_search_locations:
        raise ImportError(f"{name} is not a package laid out as expected")
    exports, constants = _exports(Path(spec.origin).read_text(encoding="utf-8"), name)
    package = LazyPackage(name, exports)
    package.__file__ = spec.origin
    package.__path__ = list(spec.submodule_search_locations)
    package.__package__ = name
    package.__spec__ = spec
    for constant, value in constants.items():
        setattr(package, constant, value)
    return package


def _exports(source: str, name: str) -> tuple[dict[str, tuple[str, str]], dict[str, object]]:
    """The names an SDK `__init__.py` imports (name -> (module, attribute)) and the constants it sets
    (`__version__`). Anything else in it (code a later SDK might add) and it is not made lazy: ValueError."""
    exports: dict[str, tuple[str, str]] = {}
    constants: dict[str, object] = {}
    for statement in ast.parse(source).body:
        if isinstance(statement, ast.ImportFrom) and statement.level == 0 and statement.module \
                and statement.module.split(".")[0] == SDK and all(alias.name != "*" for alias in statement.names):
            for alias in statement.names:
                exports[alias.asname or alias.name] = (statement.module, alias.name)
        elif isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant) \
                and all(isinstance(target, ast.Name) for target in statement.targets):
            for target in statement.targets:
                constants[target.id] = statement.value.value
        elif not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)):  # docstring
            raise ValueError(f"{name}/__init__.py does more than import names (line {statement.lineno})")
    if not exports:
        raise ValueError(f"{name}/__init__.py imports nothing")
    return exports, constants


__all__ = ["LAZY_PACKAGES", "LazyPackage", "install"]
