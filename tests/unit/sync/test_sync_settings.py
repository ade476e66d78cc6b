"""The [sync] section: EngineSettings fields plus the wiring's own, validated with the key named."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from syncsvc.config import load_settings, settings_from_dict
from syncsvc.errors import ConfigError


def test_start_date_is_midnight_in_the_account_zone():
    settings = settings_from_dict({"infusionsoft": {"timezone": "America/Chicago"}, "sync": {"start_date": date(2024, 3, 10)}})
    assert settings.sync.engine.start_date == datetime(2024, 3, 10, tzinfo=ZoneInfo("America/Chicago"))
    with_offset = settings_from_dict({"sync": {"start_date": "2024-03-10T05:00:00+00:00"}})
    assert with_offset.sync.engine.start_date.utcoffset().total_seconds() == 0


def test_payment_methods_table_overrides_and_extends_the_defaults():
    engine = settings_from_dict({"sync": {"payment_methods": {"visa": "Card", "Wire": "Bank"}}}).sync.engine
    assert engine.payment_method_for("VISA") == "Card"
    assert engine.payment_method_for("wire") == "Bank"
    assert engine.payment_method_for("Check") == "Check"


def test_defaults_and_wiring_keys():
    sync = settings_from_dict({}).sync
    assert sync.deposit_account == "Undeposited Funds" and sync.batch_size == 1000
    assert sync.engine.posting_mode == "invoice_and_payments"


@pytest.mark.parametrize("raw, message", [
    ({"posting_mode": "cheques"}, "posting_mode"),
    ({"paid_only": "yes"}, r"\[sync\]\.paid_only must be bool"),
    ({"batch_size": 0}, "batch_size"),
    ({"start_date": "soon"}, r"\[sync\]\.start_date"),
    ({"colour": "blue"}, r"unknown key \[sync\]\.colour"),
    ({"payment_methods": {"Visa": 3}}, "payment_methods"),
])
def test_bad_values_name_the_key(raw, message):
    with pytest.raises(ConfigError, match=message):
        settings_from_dict({"sync": raw})


def test_example_config_sets_every_sync_key_it_documents():
    example = Path(__file__).resolve().parents[3] / "config.example.toml"
    settings = load_settings(example)
    assert settings.sync.engine.payment_method_for("credit card") == "Credit Card"
    text = example.read_text()
    import dataclasses

    from syncsvc.engine.settings import EngineSettings
    for name in [f.name for f in dataclasses.fields(EngineSettings)] + ["deposit_account", "batch_size"]:
        assert name in text, f"[sync].{name} is not documented in config.example.toml"


def test_account_defaults_are_what_an_accountant_would_choose_and_can_be_changed():
    engine = settings_from_dict({}).sync.engine
    assert (engine.tax_account, engine.shipping_account, engine.discount_account) == (
        "Sales Tax Payable", "Shipping Income", "Discounts given")
    changed = settings_from_dict({"sync": {"tax_account": "GST Payable", "shipping_account": "Freight Income",
                                           "discount_account": "Promotions"}}).sync.engine
    assert (changed.tax_account, changed.shipping_account, changed.discount_account) == (
        "GST Payable", "Freight Income", "Promotions")


@pytest.mark.parametrize("key, value", [
    ("tax_account", ""), ("shipping_account", "Income:Shipping"), ("discount_account", 'The "discounts"'),
    ("tax_account", "x" * 101),
])
def test_bad_account_names_name_the_key(key, value):
    with pytest.raises(ConfigError, match=rf"{key} = .* must name a QuickBooks account"):
        settings_from_dict({"sync": {key: value}})
