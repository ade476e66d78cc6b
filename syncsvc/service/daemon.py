"""`syncsvc run`: one sync cycle every interval until SIGTERM/SIGINT, for one connection.

Startup: schema check and upgrade (a database never upgraded has nothing
connected: one line says to connect first), then the checks no cycle could
pass (`check_can_sync`: the secrets in the environment, a connected QuickBooks
company whose tokens decrypt and are not marked "reconnect"; nothing is sent to
either API): one that fails ends the process with exit 1 and one line, instead
of a daemon logging the same error every cycle. Then the connection's lease
(wait for it, or exit, while another daemon holds it), then the health listener
and the scheduler.

A connection that stops syncing while the daemon runs is paused: each cycle
logs one line saying what to do, and whether that needs a restart. The config
file and the environment (keys, SYNCSVC_SECRET_KEY) are read only at start, so
a new key or setting does; `syncsvc connect quickbooks` (with the daemon's
SYNCSVC_SECRET_KEY) does not: the next cycle reads the new tokens.

APScheduler fires the cycle job; `max_instances=1` means never two cycles at
once, and a firing that finds the cycle still running is turned into exactly
one follow-up run (coalesced, never queued, never silently dropped). A run that
comes due late (the machine slept) runs once, late, with a log line (`coalesce`
+ `misfire_grace_time=None`).

A signal sets the stop event: the cycle ends after the order in hand (its
unit of work is committed), or at once if a client is waiting (throttled by
QuickBooks, backing off, held by a rate limiter: those waits end with
`stopping.Stopped`, and the order in hand is left for the next run), the
scheduler drains, the lease is released, and the process exits 0.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from datetime import datetime, timezone

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, EVENT_JOB_SUBMITTED
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError

from syncsvc import apievents, stopping
from syncsvc.config import ENV, Settings
from syncsvc.errors import ConfigError, SyncsvcError
from syncsvc.infusionsoft.errors import InfusionsoftActionRequired
from syncsvc.service.health import Health, HealthServer
from syncsvc.service.locking import ConnectionLease, LeaseFence, LeaseKeeper, LockHeld
from syncsvc.service.metrics import Metrics
from syncsvc.service.schema_guard import ensure_schema
from syncsvc.stopping import Stopped
from syncsvc.store.state import LeaseLost
from syncsvc.tokens import ReconnectRequired

log = logging.getLogger(__name__)

PAUSING_ERRORS = (ReconnectRequired, InfusionsoftActionRequired)  # a person must act; retrying each order cannot help
RESTART = "then restart the daemon (it reads its config file and environment only when it starts)"
JOB_ID = "sync-cycle"
QUEUE_POLL_SECONDS = 5.0  # how often the daemon looks for orders queued by `syncsvc sync --orders`


class Daemon:
    def __init__(self, settings: Settings, *, wait_for_lock: bool | None = None) -> None:
        self.settings = settings
        self.service = settings.service
        self.wait_for_lock = self.service.lock_wait if wait_for_lock is None else wait_for_lock
        self.stop_event = threading.Event()
        self.metrics = Metrics()
        self.health = Health(self.service.healthy_within_seconds)
        self.lease_lost = False
        self._overrun = threading.Event()
        self._state = None
        self._queue_seen: set = set()
        self._queue_checked_at = 0.0
        self._fence: LeaseFence | None = None

    # -- the process --------------------------------------------------------------------------

    def run(self) -> int:
        name = self.settings.connection.name
        if schema_is_empty(self.settings.state.database_url):
            check_secrets(self.settings)
            raise no_company_connected(self.settings)  # a new database: nothing is connected yet
        ensure_schema(self.settings.state.database_url)
        check_can_sync(self.settings)
        from syncsvc.sync.wiring import state_store

        self._state = state_store(self.settings)
        lease = ConnectionLease(self._state.engine, name, self.service.lock_ttl_seconds)
        self._install_signal_handlers()
        unsubscribe = apievents.subscribe(self.metrics.api_event)
        server = None
        try:
            if self.service.health_port:
                server = HealthServer(self.health, self.metrics, self.service.health_bind,
                                      self.service.health_port).start()
            if not self._acquire(lease):
                return 0  # stopped while waiting for the lease
            self._fence = LeaseFence(lease)
            keeper = LeaseKeeper(lease, self._on_lease_lost).start()
            try:
                self._schedule_until_stopped()
            finally:
                keeper.stop()
                lease.release()
        finally:
            unsubscribe()
            if server is not None:
                server.stop()
            self._state.engine.dispose()
        if self.lease_lost:
            log.error("stopped: another process took the lock on connection %s", name)
            return 1
        log.info("stopped")
        return 0

    def stop(self) -> None:
        self.stop_event.set()

    def _install_signal_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # embedded (tests): the owner calls stop()

        def on_signal(signum, _frame) -> None:
            log.info("%s received: finishing the order in hand, then stopping", signal.Signals(signum).name)
            self.stop_event.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)

    def _acquire(self, lease: ConnectionLease) -> bool:
        told = False
        poll = min(2.0, self.service.lock_ttl_seconds / 3)
        while not self.stop_event.is_set():
            if lease.try_acquire():
                log.info("holding the lock on connection %s as %s", lease.connection, lease.holder)
                return True
            holder = lease.current()
            if not self.wait_for_lock:
                raise LockHeld(lease.connection, holder, "not starting a second daemon on it")
            if not told:
                who = holder.describe() if holder else "another process"
                log.warning("connection %s is being synced by %s; waiting for it to stop", lease.connection, who)
                told = True
            self.stop_event.wait(poll)
        return False

    def _on_lease_lost(self) -> None:
        self.lease_lost = True
        self.stop_event.set()

    def _schedule_until_stopped(self) -> None:
        scheduler = BackgroundScheduler(timezone=timezone.utc)
        scheduler.add_listener(self._on_scheduler_event, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED | EVENT_JOB_SUBMITTED)
        scheduler.add_job(
            self._job, IntervalTrigger(seconds=self.service.interval_seconds, timezone=timezone.utc),
            id=JOB_ID, next_run_time=datetime.now(timezone.utc),
            max_instances=1, coalesce=True, misfire_grace_time=None,
        )
        scheduler.start()
        log.info("syncing connection %s every %g s", self.settings.connection.name, self.service.interval_seconds)
        self._queued_resyncs_are_new()  # the first cycle, starting now, serves what is queued already
        try:
            while not self.stop_event.wait(0.5):
                if self._queued_resyncs_are_new():
                    log.info("orders were queued for re-sync; starting a cycle now")
                    scheduler.modify_job(JOB_ID, next_run_time=datetime.now(timezone.utc))
        finally:
            scheduler.shutdown(wait=True)  # the running cycle sees the stop event between orders

    def _queued_resyncs_are_new(self) -> bool:
        """True when `syncsvc sync --orders` queued something since we last looked (polled every few seconds).
        A cycle already running when the job is moved up is followed by one more, as for an overrun."""
        if time.monotonic() - self._queue_checked_at < QUEUE_POLL_SECONDS:
            return False
        self._queue_checked_at = time.monotonic()
        try:
            queued = {(q.order_id, q.requested_at) for q in self._state.queued_resyncs()}
        except SQLAlchemyError:
            return False  # the next cycle reports the database trouble
        fresh = bool(queued - self._queue_seen)
        self._queue_seen = queued
        return fresh

    def _on_scheduler_event(self, event) -> None:
        if event.code == EVENT_JOB_MAX_INSTANCES:
            log.info("the cycle is still running at its next start time; one more follows it")
            self._overrun.set()
        elif event.code == EVENT_JOB_MISSED:
            log.warning("a cycle due at %s was missed; the next one catches up", event.scheduled_run_time)
        elif event.code == EVENT_JOB_SUBMITTED:
            late = max((datetime.now(timezone.utc) - t).total_seconds() for t in event.scheduled_run_times)
            if late > max(5.0, self.service.interval_seconds / 2):
                log.warning("running the cycle due at %s %.0f s late (missed runs are coalesced into this one)",
                            min(event.scheduled_run_times), late)

    # -- one job = one cycle, plus the one an overrun asked for ----------------------------------

    def _job(self) -> None:
        self._overrun.clear()
        while not self.stop_event.is_set():
            self.run_one_cycle()
            if not self._overrun.is_set():
                return
            self._overrun.clear()
            if not self.stop_event.is_set():
                log.info("running the cycle that came due during the last one")

    def run_one_cycle(self) -> str:
        """One cycle with everything opened afresh (tokens, clients); returns its outcome."""
        from syncsvc.sync.cycle import run_cycle
        from syncsvc.sync.orders import serve_queued_resyncs
        from syncsvc.sync.wiring import open_parts

        started = time.monotonic()
        try:
            with stopping.stop_on(self.stop_event), \
                    open_parts(self.settings, upgrade_schema=False, fence=self._fence) as parts:
                resync = serve_queued_resyncs(parts.source, parts.qb, parts.state, self.settings.sync)
                if resync is not None:
                    self._count(resync)
                    log.info("queued re-sync %s: %s", resync.run_id, resync.line())
                    for order_id, reason in sorted(resync.failed.items()):
                        log.warning("queued re-sync: order %s failed: %s", order_id, reason)
                summary = run_cycle(parts.source, parts.qb, parts.state, self.settings.sync,
                                    should_stop=self.stop_event.is_set)
                held = held_orders(parts.state)
        except Stopped as exc:  # a stop came while a client waited, outside the cycle's own run record
            return self._finished("stopped", started, f"sync cycle stopped: {exc}", error=False)
        except LeaseLost as exc:
            self._on_lease_lost()  # another process holds the connection now: this daemon stops
            return self._finished("error", started, f"sync cycle stopped: {exc}")
        except PAUSING_ERRORS as exc:
            return self._finished("paused", started, self._paused(exc, pause_fix(exc)))
        except ConfigError as exc:
            # A setting, a secret or the key of the stored tokens: all read at start, so the fix needs a restart.
            return self._finished("paused", started, self._paused(exc, RESTART))
        except SyncsvcError as exc:
            return self._finished("error", started, f"sync cycle failed: {exc}")
        except Exception as exc:  # noqa: BLE001 - the daemon outlives one bad cycle; the trace is at debug level
            log.debug("sync cycle failed", exc_info=True)
            return self._finished("error", started, f"sync cycle failed: {type(exc).__name__}: {exc}")
        m = self.metrics
        self._count(summary)
        m.set("syncsvc_orders_held", held)
        status = "stopped" if summary.stopped else "ok" if summary.ok else "failed"
        if status in ("ok", "failed"):
            # The cycle ran to the end: the daemon is healthy. Orders that failed on their own data are
            # retried each cycle and counted in syncsvc_order_errors_total, not a reason to restart it.
            failed = f"{len(summary.failed)} orders failed: see `syncsvc status`" if summary.failed else None
            self.health.succeeded(status, failed)
            m.set("syncsvc_last_success_timestamp_seconds", self.health.last_success_at)
        return self._finished(status, started, f"cycle {summary.run_id} {status}: {summary.line()}", error=False)

    def _paused(self, exc: Exception, fix: str) -> str:
        return f"connection {self.settings.connection.name} paused: {' '.join(str(exc).split())}; {fix}"

    def _count(self, summary) -> None:
        m = self.metrics
        m.inc("syncsvc_orders_posted_total", summary.counts["invoices"] + summary.counts["sales_receipts"])
        m.inc("syncsvc_orders_updated_total", summary.counts["updated"])
        m.inc("syncsvc_payments_posted_total", summary.counts["payments"])
        m.inc("syncsvc_order_errors_total", summary.counts["errors"])

    def _finished(self, status: str, started: float, message: str, error: bool = True) -> str:
        duration = time.monotonic() - started
        self.metrics.inc("syncsvc_cycles_total", label=status)
        self.metrics.set("syncsvc_cycle_duration_seconds", round(duration, 3))
        self.metrics.inc("syncsvc_cycle_duration_seconds_sum", round(duration, 3))
        if error:
            self.health.failed(status, message)
            log.error("%s", message)
        else:
            log.info("%s (%.1f s)", message, duration)
        return status


def pause_fix(exc: Exception) -> str:
    """Whether the fix of a pause needs a restart of this daemon."""
    if isinstance(exc, ReconnectRequired):
        return (f"no restart needed: once `syncsvc connect quickbooks` has stored new tokens (with this daemon's "
                f"{ENV['secret_key']}), the next cycle syncs again")
    return RESTART  # a new Keap key or refresh token (environment) or [infusionsoft].api (config file)


def check_can_sync(settings: Settings) -> None:
    """Raise a one-line SyncsvcError for what would make every cycle fail until a person acts: a secret
    missing from the environment, a URL refused, no connected QuickBooks company, stored tokens that
    do not decrypt with SYNCSVC_SECRET_KEY or that QuickBooks refused. Reads the state database only;
    sends nothing to either API (an outage at start is retried by the cycles, not fatal)."""
    from syncsvc.quickbooks.client import PROVIDER
    from syncsvc.quickbooks.endpoints import Endpoints
    from syncsvc.store.tokens import SqlTokenStore
    from syncsvc.sync.wiring import infusionsoft_client, infusionsoft_token_store

    cipher = check_secrets(settings)
    Endpoints.from_settings(settings.quickbooks)
    name, url = settings.connection.name, settings.state.database_url
    connect = connect_command(settings)
    configured = settings.quickbooks.realm_id
    realms = SqlTokenStore.accounts(url, connection=name, provider=PROVIDER)
    if (configured and configured not in realms) or not realms:
        raise no_company_connected(settings)
    if not configured and len(realms) > 1:
        raise ConfigError(f"several QuickBooks companies are connected on connection {name!r} ({', '.join(realms)}): "
                          f"set [quickbooks].realm_id in {settings.source}")
    realm = configured or realms[0]
    store = SqlTokenStore(url, connection=name, provider=PROVIDER, account=realm, cipher=cipher)
    try:
        store.load()
    except ConfigError:
        raise ConfigError(f"the stored tokens of QuickBooks company {realm} (connection {name!r}) cannot be decrypted "
                          f"with {ENV['secret_key']}: start the daemon with the key they were stored with, or "
                          f"run `{connect}` with this one") from None
    if store.reconnect_reason():
        raise ConfigError(f"QuickBooks company {realm} needs reconnecting (QuickBooks refused its refresh token): "
                          f"run `{connect}`, then start the daemon again")
    with infusionsoft_client(settings):  # its URLs and secrets, as a cycle builds it (nothing is sent)
        pass
    keap_tokens = infusionsoft_token_store(settings)
    if keap_tokens is not None:
        try:
            keap_tokens.load()
        except ConfigError:
            raise ConfigError(f"the stored Infusionsoft tokens of connection {name!r} cannot be decrypted with "
                              f"{ENV['secret_key']}: start the daemon with the key they were stored with") from None


def check_secrets(settings: Settings):
    """SYNCSVC_SECRET_KEY and the Intuit app's id and secret, from the environment; returns the token cipher."""
    from syncsvc.store.tokens import TokenCipher

    cipher = TokenCipher.from_settings(settings)
    settings.secret("quickbooks_client_id")
    settings.secret("quickbooks_client_secret")
    return cipher


def no_company_connected(settings: Settings) -> ConfigError:
    configured = settings.quickbooks.realm_id
    what = (f"QuickBooks company {configured} ([quickbooks].realm_id) is not" if configured
            else "no QuickBooks company is")
    return ConfigError(f"{what} connected on connection {settings.connection.name!r} ({settings.source}, state "
                       f"database {_shown(settings.state.database_url)}): run `{connect_command(settings)}`, "
                       f"then start the daemon again")


def schema_is_empty(database_url: str) -> bool:
    """True for a database syncsvc has never upgraded (a new SQLite file, an empty PostgreSQL database)."""
    from sqlalchemy import inspect

    from syncsvc.store.db import database_errors, make_engine

    engine = make_engine(database_url)
    try:
        with database_errors(database_url), engine.connect() as conn:
            return not inspect(conn).has_table("alembic_version")
    finally:
        engine.dispose()


def connect_command(settings: Settings) -> str:
    config = "" if settings.source.startswith("<") else f"-c {settings.source} "
    return f"syncsvc {config}connect quickbooks"


def _shown(database_url: str) -> str:
    from syncsvc.store.db import redacted

    return redacted(database_url)


def held_orders(state) -> int:
    with state.unit() as uow:
        return len(uow.open_issue_ids("order", ("held",)))
