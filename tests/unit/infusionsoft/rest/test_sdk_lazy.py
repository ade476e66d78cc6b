"""Keap's SDK is loaded lazily (rest/sdk.py): reading orders builds only the models it needs, not all
391 (about 60 MB of validators), and every name the SDK exports is still there under its own spelling.
Run in a fresh interpreter: the test process has the SDK imported already."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap


def _fresh(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_reading_orders_builds_only_the_models_they_need():
    seen = _fresh("""
        import json, sys
        import syncsvc.infusionsoft.rest  # installs the lazy SDK
        from keap_core_v2_client.models import OrderV2
        from keap_core_v2_client import ApiClient
        models = [m for m in sys.modules if m.startswith("keap_core_v2_client.models.")]
        print(json.dumps({"lazy": type(sys.modules["keap_core_v2_client"]).__name__, "models": len(models),
                          "order": OrderV2.__name__}))
    """)
    assert seen["lazy"] == "LazyPackage" and seen["order"] == "OrderV2"
    assert seen["models"] < 150, seen  # the SDK's own __init__ would have loaded all 391


def test_every_name_the_sdk_exports_is_the_sdks_own():
    seen = _fresh("""
        import ast, importlib, json, pathlib, sys
        import syncsvc.infusionsoft.rest
        from syncsvc.infusionsoft.rest.sdk import LAZY_PACKAGES
        wrong, checked = [], 0
        for package_name in LAZY_PACKAGES:
            package = sys.modules[package_name]
            source = pathlib.Path(package.__file__).read_text(encoding="utf-8")
            for node in ast.parse(source).body:
                if isinstance(node, ast.ImportFrom):
                    for alias in node.names:
                        name = alias.asname or alias.name
                        checked += 1
                        if getattr(package, name) is not getattr(importlib.import_module(node.module), alias.name):
                            wrong.append(f"{package_name}.{name}")
        print(json.dumps({"checked": checked, "wrong": wrong,
                          "version": getattr(sys.modules["keap_core_v2_client"], "__version__", None)}))
    """)
    assert seen["checked"] > 400 and seen["wrong"] == [] and seen["version"], seen
