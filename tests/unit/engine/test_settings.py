import subprocess
import sys

import pytest

from syncsvc.engine.settings import EngineSettings
from syncsvc.errors import ConfigError

from .builders import at


def test_defaults_are_valid_and_match_the_product_spec():
    settings = EngineSettings()
    settings.validate()
    assert settings.posting_mode == "invoice_and_payments" and settings.payment_lookback_hours == 20
    assert settings.unknown_item_name == "unknown do not delete" and settings.create_missing_items


@pytest.mark.parametrize("field, value", [
    ("posting_mode", "receipts"), ("doc_number_source", "job"), ("tax_mode", "auto"), ("match_items_on", "upc"),
    ("shipping_item_name", "Ship:ping"), ("doc_number_prefix", "A-VERY-LONG-PREFIX-"), ("payment_lookback_hours", -1),
    ("start_date", at("2024-01-01 00:00").replace(tzinfo=None)),
])
def test_a_wrong_setting_is_a_config_error_naming_the_field(field, value):
    with pytest.raises(ConfigError, match=field):
        EngineSettings(**{field: value}).validate()


def test_pay_type_lookup_is_case_insensitive_with_a_fallback():
    assert EngineSettings().payment_method_for(" credit CARD ") == "Credit Card"
    assert EngineSettings(default_payment_method="Other").payment_method_for("Barter") == "Other"


def test_the_engine_imports_no_http_quickbooks_or_database_library():
    code = (
        "import sys, pkgutil, importlib\n"
        "before = set(sys.modules)\n"  # intuit-oauth's .pth file preloads a namespace stub
        "import syncsvc.engine as e\n"
        "for m in pkgutil.iter_modules(e.__path__): importlib.import_module('syncsvc.engine.' + m.name)\n"
        "new = {n.split('.')[0] for n in set(sys.modules) - before}\n"
        "print(sorted(new & {'httpx', 'quickbooks', 'intuitlib', 'sqlalchemy', 'requests'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
