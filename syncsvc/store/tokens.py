"""SqlTokenStore: OAuth tokens in the state database, encrypted at rest, refreshed one process at a time.

Any provider (QuickBooks, Infusionsoft) uses it through the `syncsvc.tokens.TokenStore`
protocol. A refresh holds a database lock on the company's row for the whole
token call: `SELECT ... FOR UPDATE` on PostgreSQL, a write transaction
(`BEGIN IMMEDIATE`, which pysqlite would otherwise never send) on SQLite. The
new tokens are committed before `refresh_under_lock` returns them, so no
process can use a token that is not stored.
"""

from __future__ import annotations

import base64
import threading
from typing import Callable

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import event, select
from sqlalchemy.engine import Connection, Engine

from syncsvc.config import ENV
from syncsvc.errors import ConfigError
from syncsvc.store.db import make_engine, stored_utc
from syncsvc.store.token_models import OAuthToken
from syncsvc.tokens import ReconnectRequired, TokenSet, utcnow

_TABLE = OAuthToken.__table__


class TokenCipher:
    """Fernet encryption with a key derived deterministically (HKDF-SHA256) from any passphrase."""

    def __init__(self, passphrase: str) -> None:
        if not passphrase:
            raise ConfigError(f"environment variable {ENV['secret_key']} is not set (key that encrypts stored tokens)")
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"syncsvc-token-store", info=b"fernet-v1").derive(
            passphrase.encode("utf-8")
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    @classmethod
    def from_settings(cls, settings) -> "TokenCipher":
        return cls(settings.secret("secret_key"))

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise ConfigError(
                f"stored OAuth tokens cannot be decrypted with {ENV['secret_key']}: was the key changed? "
                "Restore the old key or reconnect the account"
            ) from None

    def __repr__(self) -> str:
        return "TokenCipher(<key hidden>)"


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def token_engine(database_url: str) -> Engine:
    """One engine per URL for token storage; on SQLite it can open a real write transaction."""
    with _engines_lock:
        engine = _engines.get(database_url)
        if engine is None:
            engine = make_engine(database_url)
            if engine.dialect.name == "sqlite":
                _emit_sqlite_begin(engine)
            _engines[database_url] = engine
        return engine


def _emit_sqlite_begin(engine: Engine) -> None:
    # pysqlite defers BEGIN until the first write, so a SELECT-then-UPDATE would not be
    # exclusive. Take transaction control from the driver and send BEGIN ourselves.
    @event.listens_for(engine, "connect")
    def _driver_autocommit(dbapi_conn, _record):
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("token_lock") else "BEGIN")


class SqlTokenStore:
    """Tokens of one account: `connection` (config [connection].name) + `provider` + `account` (e.g. realm id)."""

    def __init__(self, database_url: str, *, connection: str, provider: str, account: str, cipher: TokenCipher) -> None:
        self.engine = token_engine(database_url)
        self._locking_engine = self.engine.execution_options(token_lock=True)
        self.connection = connection
        self.provider = provider
        self.account = account
        self._cipher = cipher

    def __repr__(self) -> str:
        return f"SqlTokenStore({self.connection!r}, {self.provider!r}, {self.account!r})"

    # -- TokenStore protocol -------------------------------------------------------------

    def load(self) -> TokenSet | None:
        with self.engine.connect() as conn:
            row = conn.execute(self._select()).first()
        return self._decode(row) if row else None

    def save(self, tokens: TokenSet) -> None:
        """Store `tokens` (inserting the row the first time) and clear any reconnect mark."""
        with self._locked() as conn:
            row = conn.execute(self._select(lock=True)).first()
            self._write(conn, row, tokens)

    def refresh_under_lock(
        self,
        needs_refresh: Callable[[TokenSet], bool],
        refresh: Callable[[TokenSet], TokenSet],
    ) -> TokenSet:
        with self._locked() as conn:
            row = conn.execute(self._select(lock=True)).first()
            if row is None:
                raise ReconnectRequired(f"no {self.provider} tokens stored for {self.account}: connect the account first")
            current = self._decode(row)
            if not needs_refresh(current):
                return current  # another process refreshed while we waited for the lock
            new = refresh(current)  # if this raises, the transaction rolls back: nothing is lost
            self._write(conn, row, new)
        return new

    def mark_reconnect(self, reason: str) -> None:
        with self._locked() as conn:
            conn.execute(
                _TABLE.update().where(*self._key()).values(reconnect_reason=reason, updated_at=utcnow())
            )

    def reconnect_reason(self) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(_TABLE.c.reconnect_reason).where(*self._key())).scalar()

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def accounts(database_url: str, *, connection: str, provider: str) -> list[str]:
        """Accounts (e.g. QBO realm ids) with stored tokens for this connection and provider."""
        with token_engine(database_url).connect() as conn:
            rows = conn.execute(
                select(_TABLE.c.account)
                .where(_TABLE.c.connection_name == connection, _TABLE.c.provider == provider)
                .order_by(_TABLE.c.account)
            )
            return [r[0] for r in rows]

    def _key(self):
        return (
            _TABLE.c.connection_name == self.connection,
            _TABLE.c.provider == self.provider,
            _TABLE.c.account == self.account,
        )

    def _select(self, lock: bool = False):
        query = select(_TABLE).where(*self._key())
        if lock and self.engine.dialect.name == "postgresql":
            query = query.with_for_update()
        return query

    def _locked(self):
        """A transaction holding the account's lock until it commits (see module docstring)."""
        return self._locking_engine.begin()

    def _write(self, conn: Connection, row, tokens: TokenSet) -> None:
        values = dict(
            access_token_encrypted=self._cipher.encrypt(tokens.access_token),
            refresh_token_encrypted=self._cipher.encrypt(tokens.refresh_token),
            access_expires_at=tokens.access_expires_at,
            refresh_expires_at=tokens.refresh_expires_at,
            reconnect_reason=None,
            updated_at=utcnow(),
        )
        if row is None:
            conn.execute(
                _TABLE.insert().values(
                    connection_name=self.connection, provider=self.provider, account=self.account,
                    generation=1, **values,
                )
            )
        else:
            conn.execute(_TABLE.update().where(*self._key()).values(generation=row.generation + 1, **values))

    def _decode(self, row) -> TokenSet:
        return TokenSet(
            access_token=self._cipher.decrypt(row.access_token_encrypted),
            refresh_token=self._cipher.decrypt(row.refresh_token_encrypted),
            access_expires_at=stored_utc(row.access_expires_at),
            refresh_expires_at=stored_utc(row.refresh_expires_at) if row.refresh_expires_at else None,
        )

