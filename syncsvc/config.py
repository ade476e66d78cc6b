"""Settings from a TOML file plus environment variables, validated once.

Every key lives in config.example.toml with a comment. Secrets never live in
the file: they come from the environment variables named in ENV below.
Unknown keys and wrong types are errors that name the key and the file.

Paths in a config file are relative to the file's folder, not to the working
directory: `[state].database_url = "sqlite:///state/syncsvc.sqlite3"` in
/etc/syncsvc/config.toml is /etc/syncsvc/state/syncsvc.sqlite3, whichever
directory `syncsvc -c /etc/syncsvc/config.toml ...` runs from (a relative
config path is first taken from the working directory). An absolute SQLite path
(four slashes, `sqlite:////var/lib/syncsvc/syncsvc.sqlite3`), `:memory:` and
PostgreSQL URLs are used as written. Without a config file (no `-c`, no
$SYNCSVC_CONFIG) the built-in default `sqlite:///state/syncsvc.sqlite3` is
relative to the working directory.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from syncsvc.engine.settings import EngineSettings
from syncsvc.errors import ConfigError

# Environment variables that carry secrets (never written to the config file).
ENV = {
    "infusionsoft_api_key": "SYNCSVC_INFUSIONSOFT_API_KEY",
    "infusionsoft_client_id": "SYNCSVC_INFUSIONSOFT_CLIENT_ID",
    "infusionsoft_client_secret": "SYNCSVC_INFUSIONSOFT_CLIENT_SECRET",
    "infusionsoft_refresh_token": "SYNCSVC_INFUSIONSOFT_REFRESH_TOKEN",
    "quickbooks_client_id": "SYNCSVC_QUICKBOOKS_CLIENT_ID",
    "quickbooks_client_secret": "SYNCSVC_QUICKBOOKS_CLIENT_SECRET",
    "secret_key": "SYNCSVC_SECRET_KEY",
    "config_path": "SYNCSVC_CONFIG",
}

INFUSIONSOFT_AUTH_MODES = ("service_key", "oauth", "legacy_key")
INFUSIONSOFT_APIS = ("rest", "xmlrpc")
API_NAMES = {"rest": "REST v2", "xmlrpc": "XML-RPC"}  # as people say them


@dataclass(frozen=True)
class ConnectionSettings:
    # One config file describes one connection; all state is keyed by this name.
    name: str = "default"


@dataclass(frozen=True)
class StateSettings:
    database_url: str = "sqlite:///state/syncsvc.sqlite3"

    def validate(self, where: str) -> None:
        check_database_url(self.database_url, f"{where}: [state].database_url")


# The drivers syncsvc ships with: the standard library's sqlite3 and psycopg 3.
DATABASE_URL_EXAMPLES = "sqlite:///state/syncsvc.sqlite3 or postgresql+psycopg://user@host:5432/syncsvc"


def check_database_url(url: str, what: str) -> None:
    """A URL SQLAlchemy can open with the installed drivers, or a ConfigError naming it (password hidden)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"{what} = {url!r} is not a database URL (e.g. {DATABASE_URL_EXAMPLES})") from None
    shown = parsed.render_as_string(hide_password=True)
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        if not parsed.database:
            raise ConfigError(f"{what} = {shown!r} names no file (e.g. sqlite:///state/syncsvc.sqlite3)")
        return
    if parsed.drivername == "postgresql+psycopg":
        return
    if parsed.get_backend_name() in ("postgres", "postgresql"):
        fixed = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=True)
        raise ConfigError(f"{what} = {shown!r}: write it as {fixed} (syncsvc talks to PostgreSQL through psycopg 3)")
    raise ConfigError(f"{what} = {shown!r}: syncsvc keeps its state in SQLite or PostgreSQL "
                      f"(e.g. {DATABASE_URL_EXAMPLES})")


@dataclass(frozen=True)
class InfusionsoftSettings:
    # "rest" (Keap REST v2) or "xmlrpc" (switched off by Keap on 2026-12-31).
    api: str = "rest"
    rest_base_url: str = "https://api.keap.com/crm"
    base_url: str = "https://api.infusionsoft.com/crm/xmlrpc/v1"
    auth: str = "service_key"
    token_url: str = "https://api.infusionsoft.com/token"
    timezone: str = "America/New_York"
    timeout_seconds: float = 30.0
    requests_per_second: int = 10
    requests_per_minute: int = 240
    max_attempts: int = 6
    page_size: int = 1000
    oauth_refresh_margin_seconds: int = 14400

    def validate(self, where: str) -> None:
        if self.api not in INFUSIONSOFT_APIS:
            raise ConfigError(
                f"{where}: [infusionsoft].api = {self.api!r} is not one of {', '.join(INFUSIONSOFT_APIS)}"
            )
        if self.api == "rest" and self.auth == "legacy_key":
            raise ConfigError(
                f"{where}: [infusionsoft].auth = \"legacy_key\" works only with api = \"xmlrpc\"; "
                f"REST v2 takes a service account key (auth = \"service_key\") or OAuth"
            )
        if self.auth not in INFUSIONSOFT_AUTH_MODES:
            raise ConfigError(
                f"{where}: [infusionsoft].auth = {self.auth!r} is not one of "
                f"{', '.join(INFUSIONSOFT_AUTH_MODES)}"
            )
        _check_zone(self.timezone, f"{where}: [infusionsoft].timezone")
        if not 1 <= self.page_size <= 1000:
            raise ConfigError(f"{where}: [infusionsoft].page_size must be 1..1000 (the API's limit)")


@dataclass(frozen=True)
class QuickBooksSettings:
    api_base_url: str = "https://quickbooks.api.intuit.com/v3"
    discovery_url: str = "https://developer.intuit.com/.well-known/openid_configuration/"
    minor_version: int = 75
    realm_id: str = ""
    redirect_uri: str = "http://localhost:8725/callback"
    timeout_seconds: float = 60.0
    # QBO's limit is 500/min per realm; 450 leaves room for other callers of the same company (a
    # `syncsvc connect`, a bookkeeper's app) so one extra request does not cost a 429 and a 60 s wait.
    requests_per_minute: int = 450
    # QBO allows 10 requests in flight per company; 4 leaves room for other callers of it.
    max_in_flight: int = 4
    # QBO throttles /batch at 40 requests a minute per company (on top of the 500). 39: a backfill is
    # bound by it (each one is a minute's 1/40), a request counts until its answer so QBO never has
    # more in its window than we do (quickbooks/limits.py), and other apps rarely send batches.
    batch_requests_per_minute: int = 39
    # Proxy for QuickBooks API calls ("http://host:3128"); "" = direct. The environment's
    # https_proxy is not read (requests' per-request environment scan is off).
    proxy: str = ""
    max_attempts: int = 6
    refresh_margin_seconds: int = 300
    rate_window_seconds: float = 60.0
    throttle_wait_seconds: float = 60.0
    backoff_base_seconds: float = 1.0
    backoff_max_seconds: float = 60.0
    batch_size: int = 30
    # Creates and updates of many orders go out in QBO batch requests (batch_size per request); false
    # sends one request per write (slower: QBO's 500 requests a minute bound it).
    batch_writes: bool = True

    def validate(self, where: str) -> None:
        if not 1 <= self.batch_size <= 30:
            raise ConfigError(f"{where}: [quickbooks].batch_size must be 1..30 (QBO's batch limit)")
        if self.minor_version < 75:
            raise ConfigError(f"{where}: [quickbooks].minor_version must be >= 75 (Intuit ignores older ones)")
        if self.proxy and not re.fullmatch(r"https?://[^/\s]+/?", self.proxy):
            raise ConfigError(f"{where}: [quickbooks].proxy must be an http(s) URL such as "
                              f"\"http://proxy.example:3128\", not {self.proxy!r}")


@dataclass(frozen=True)
class SyncSettings:
    """[sync]: every EngineSettings field (flat in the TOML section) plus the wiring's own keys."""

    engine: EngineSettings = field(default_factory=EngineSettings)
    # QBO account payments and sales receipts are deposited to (by name).
    deposit_account: str = "Undeposited Funds"
    # Orders read from Infusionsoft and planned together (one bulk read per batch).
    batch_size: int = 1000


LOG_FORMATS = ("text", "json")


@dataclass(frozen=True)
class ServiceSettings:
    """[service]: the daemon (`syncsvc run`), its logs, its lock and its health/metrics listener."""

    interval_seconds: float = 300.0
    log_format: str = "text"
    health_port: int = 0  # 0 = no listener
    health_bind: str = "127.0.0.1"
    healthy_within_seconds: float = 900.0
    lock_ttl_seconds: float = 60.0
    lock_wait: bool = True

    def validate(self, where: str) -> None:
        if self.interval_seconds <= 0:
            raise ConfigError(f"{where}: [service].interval_seconds must be more than 0")
        if self.log_format not in LOG_FORMATS:
            raise ConfigError(f"{where}: [service].log_format = {self.log_format!r} is not one of {', '.join(LOG_FORMATS)}")
        if not 0 <= self.health_port <= 65535:
            raise ConfigError(f"{where}: [service].health_port must be 0 (off) or a port 1..65535")
        if self.healthy_within_seconds <= 0:
            raise ConfigError(f"{where}: [service].healthy_within_seconds must be more than 0")
        if self.lock_ttl_seconds < 1:
            raise ConfigError(f"{where}: [service].lock_ttl_seconds must be at least 1")


@dataclass(frozen=True)
class Settings:
    connection: ConnectionSettings = field(default_factory=ConnectionSettings)
    state: StateSettings = field(default_factory=StateSettings)
    infusionsoft: InfusionsoftSettings = field(default_factory=InfusionsoftSettings)
    quickbooks: QuickBooksSettings = field(default_factory=QuickBooksSettings)
    sync: SyncSettings = field(default_factory=SyncSettings)
    service: ServiceSettings = field(default_factory=ServiceSettings)
    source: str = "<defaults>"

    def secret(self, name: str, required: bool = True) -> str | None:
        """A secret from the environment; a missing required one names its variable."""
        var = ENV[name]
        value = os.environ.get(var)
        if not value and required:
            raise ConfigError(f"environment variable {var} is not set ({name.replace('_', ' ')})")
        return value or None


def _check_zone(name: str, what: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{what} = {name!r} is not a known time zone (e.g. America/New_York)") from None


_SECTIONS = {f.name: f.type for f in dataclasses.fields(Settings) if f.name != "source"}


def _coerce(value, annotation, what: str):
    expected = {"str": str, "int": int, "float": float, "bool": bool}.get(annotation, annotation)
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if expected is int and isinstance(value, bool):
        raise ConfigError(f"{what} must be an integer, not {value!r}")
    if isinstance(expected, type) and not isinstance(value, expected):
        raise ConfigError(f"{what} must be {expected.__name__}, not {type(value).__name__} {value!r}")
    return value


def _build_section(cls, raw: dict, section: str, where: str):
    known = {f.name: f for f in dataclasses.fields(cls)}
    values = {}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(
                f"{where}: unknown key [{section}].{key} (known: {', '.join(sorted(known))})"
            )
        values[key] = _coerce(value, known[key].type, f"{where}: [{section}].{key}")
    obj = cls(**values)
    if hasattr(obj, "validate"):
        obj.validate(where)
    return obj


def load_settings(path: str | os.PathLike | None = None) -> Settings:
    """Read settings from `path` (or $SYNCSVC_CONFIG); defaults when neither is given."""
    path = path or os.environ.get(ENV["config_path"])
    if not path:
        return settings_from_dict({})
    path = Path(path)
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist (copy config.example.toml)") from None
    except IsADirectoryError:
        raise ConfigError(f"config file {path} is a directory, not a TOML file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {path} is not UTF-8 text (byte {exc.start}): save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc.strerror or exc}") from None
    settings = settings_from_dict(raw, where=str(path))
    database_url = relative_to_folder(settings.state.database_url, path.absolute().parent)
    if database_url != settings.state.database_url:
        settings = dataclasses.replace(settings, state=dataclasses.replace(settings.state, database_url=database_url))
    return settings


def relative_to_folder(database_url: str, folder: Path) -> str:
    """A SQLite URL whose file path is relative, made absolute against `folder` (the config file's);
    any other URL unchanged (see the module docstring)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(database_url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return database_url
    if parsed.database.startswith("file:") or Path(parsed.database).is_absolute():
        return database_url
    return parsed.set(database=str(folder / parsed.database)).render_as_string(hide_password=False)


def settings_from_dict(raw: dict, where: str = "<settings>") -> Settings:
    sections = {}
    for section, value in raw.items():
        cls = _SECTIONS.get(section)
        if cls is None:
            raise ConfigError(f"{where}: unknown section [{section}] (known: {', '.join(_SECTIONS)})")
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: [{section}] must be a table")
        if section != "sync":
            sections[section] = _build_section(_resolve(cls), value, section, where)
    if "sync" in raw:
        # start_date is read in the account's zone, so [infusionsoft] comes first.
        zone = ZoneInfo(sections.get("infusionsoft", InfusionsoftSettings()).timezone)
        sections["sync"] = _build_sync(raw["sync"], zone, where)
    return Settings(**sections, source=where)


_SYNC_OWN_KEYS = {f.name: f for f in dataclasses.fields(SyncSettings) if f.name != "engine"}


def _build_sync(raw: dict, zone: ZoneInfo, where: str) -> SyncSettings:
    engine_fields = {f.name: f for f in dataclasses.fields(EngineSettings)}
    engine_values, own_values = {}, {}
    for key, value in raw.items():
        what = f"{where}: [sync].{key}"
        if key == "start_date":
            engine_values[key] = _start_date(value, zone, what)
        elif key == "payment_methods":
            engine_values[key] = _payment_methods(value, what)
        elif key in engine_fields:
            engine_values[key] = _coerce(value, engine_fields[key].type, what)
        elif key in _SYNC_OWN_KEYS:
            own_values[key] = _coerce(value, _SYNC_OWN_KEYS[key].type, what)
        else:
            known = sorted({*engine_fields, *_SYNC_OWN_KEYS})
            raise ConfigError(f"{where}: unknown key [sync].{key} (known: {', '.join(known)})")
    engine = EngineSettings(**engine_values)
    engine.validate(f"{where}: [sync]")
    sync = SyncSettings(engine=engine, **own_values)
    if not 1 <= sync.batch_size <= 1000:
        raise ConfigError(f"{where}: [sync].batch_size must be 1..1000 (Infusionsoft reads ids 1000 at a time)")
    if not sync.deposit_account.strip():
        raise ConfigError(f"{where}: [sync].deposit_account must name a QuickBooks account")
    return sync


def _start_date(value, zone: ZoneInfo, what: str) -> datetime:
    """A TOML date, datetime or ISO string; a date or a datetime without offset is in the account zone."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ConfigError(f"{what} = {value!r} is not a date (e.g. 2024-01-01)") from None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=zone)
    raise ConfigError(f"{what} must be a date such as 2024-01-01, not {value!r}")


def _payment_methods(value, what: str) -> tuple[tuple[str, str], ...]:
    """A table of Infusionsoft PayType = QBO method; it extends (and overrides) the defaults."""
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ConfigError(f'{what} must be a table of "Infusionsoft pay type" = "QuickBooks method"')
    overridden = {k.strip().casefold() for k in value}
    defaults = tuple(pair for pair in EngineSettings().payment_methods if pair[0].casefold() not in overridden)
    return tuple(value.items()) + defaults


def _resolve(annotation):
    if isinstance(annotation, str):
        return globals()[annotation]
    return annotation
