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


def _config_in(folder, database_url: str):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "syncsvc.toml"
    path.write_text(f'[state]\ndatabase_url = "{database_url}"\n')
    return path


def test_a_relative_sqlite_path_is_relative_to_the_config_files_folder(tmp_path, monkeypatch):
    config = _config_in(tmp_path / "etc" / "syncsvc", "sqlite:///state/x.db")
    monkeypatch.chdir(tmp_path)  # elsewhere: the working directory does not matter
    settings = load_settings("etc/syncsvc/syncsvc.toml")  # a relative config path too
    assert settings.state.database_url == f"sqlite:///{tmp_path / 'etc' / 'syncsvc' / 'state' / 'x.db'}"
    monkeypatch.setenv("SYNCSVC_CONFIG", str(config))
    assert load_settings().state.database_url == settings.state.database_url


@pytest.mark.parametrize("url", [
    "sqlite:////var/lib/syncsvc/state.sqlite3",  # absolute: unchanged
    "sqlite:///:memory:",
    "postgresql+psycopg://syncsvc:pw@127.0.0.1:5432/syncsvc",
])
def test_other_database_urls_are_left_as_written(tmp_path, url):
    assert load_settings(_config_in(tmp_path, url)).state.database_url == url


def test_a_relative_sqlite_path_keeps_its_query(tmp_path):
    settings = load_settings(_config_in(tmp_path, "sqlite:///x.db?timeout=5"))
    assert settings.state.database_url == f"sqlite:///{tmp_path / 'x.db'}?timeout=5"


def test_without_a_config_file_the_default_stays_relative_to_the_working_directory(monkeypatch):
    monkeypatch.delenv("SYNCSVC_CONFIG", raising=False)
    assert load_settings().state.database_url == "sqlite:///state/syncsvc.sqlite3"
