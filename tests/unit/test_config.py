import pytest

from syncsvc.config import load_settings, settings_from_dict
from syncsvc.errors import ConfigError


def test_defaults_point_at_production_apis():
    settings = settings_from_dict({})
    assert settings.infusionsoft.base_url == "https://api.infusionsoft.com/crm/xmlrpc/v1"
    assert settings.infusionsoft.timezone == "America/New_York"
    assert settings.quickbooks.minor_version == 75


def test_unknown_key_names_key_and_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[infusionsoft]\nbase_ulr = 'x'\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert "[infusionsoft].base_ulr" in str(err.value)
    assert str(path) in str(err.value)


def test_wrong_type_names_key(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[infusionsoft]\npage_size = 'many'\n")
    with pytest.raises(ConfigError, match=r"\[infusionsoft\]\.page_size must be int"):
        load_settings(path)


def test_bad_timezone_is_refused():
    with pytest.raises(ConfigError, match="timezone"):
        settings_from_dict({"infusionsoft": {"timezone": "Mars/Olympus"}})


def test_missing_file_says_so(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_example_config_is_valid():
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    settings = load_settings(example)
    assert settings.connection.name


def test_secret_names_missing_variable(monkeypatch):
    monkeypatch.delenv("SYNCSVC_INFUSIONSOFT_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="SYNCSVC_INFUSIONSOFT_API_KEY"):
        settings_from_dict({}).secret("infusionsoft_api_key")
