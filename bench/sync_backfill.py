"""Benchmark: a first sync (backfill) of a generated Infusionsoft account into an empty QBO company.

    .venv/bin/python bench/sync_backfill.py                  # 10,000 orders
    .venv/bin/python bench/sync_backfill.py --orders 100000
    .venv/bin/python bench/sync_backfill.py --orders 2000 --real-limits [--time-scale 4] [--qbo-latency 0.25]
    .venv/bin/python bench/sync_backfill.py --rss-log /tmp/rss.jsonl   # the memory through the run, by phase

Both sandboxes run in a child process (bench/sandboxes.py) so that this
process holds only the service: its peak RSS and CPU are the service's. The
sync is one `run_cycle` through the real clients over loopback, with a SQLite
state database in a temporary directory (or --database-url).

By default QuickBooks runs without quotas or latency (the client's own pacing
raised to match), so the wall time is what the code can do. With --real-limits
the QBO sandbox enforces QuickBooks' limits (500 requests and 40 batch requests
per window, 10 in flight), the client paces with its default margins (450, 39,
4), the window is 60/K seconds and every answer takes --qbo-latency/K: the
QuickBooks side runs K times faster than production, and the service's rounds
meet the batch limit as they would there (one batch per round, each round
waiting for its answer). The projected production wall time multiplies back the
time spent on QuickBooks and keeps the service's own work as measured; see
`project()`.

Targets (issue 13): 10,000 orders in <= 20 minutes at production limits, no
429 from QuickBooks, QBO requests per posted document <= 0.1, Infusionsoft calls
per order <= 0.02, CPU <= 8 ms per order, peak memory < 250 MB.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import httpx

from syncsvc.config import SyncSettings

BENCH_DIR = Path(__file__).resolve().parent
PASSPHRASE = "bench-only-secret"
# Production limits a real backfill waits on.
KEAP_CALLS_PER_MINUTE = 240  # service key quota (also 10/s)
QBO_BATCH_LIMIT_PER_MINUTE = 40  # QBO's own limit on /batch per realm (the client keeps under it: 39)
QBO_BATCH_MAX_ITEMS = 30
UNLIMITED = 10**9
DEFAULT_TIME_SCALE = 4.0
TARGETS = {"minutes_per_10k_orders": 20.0, "throttled": 0, "qbo_per_document": 0.1, "keap_per_order": 0.02,
           "cpu_ms_per_order": 8.0, "peak_mb": 250.0}
_METHOD = re.compile(rb"<methodName>([^<]+)</methodName>")
# DataService.query's first parameter after the key: the table read.
_XMLRPC_TABLE = re.compile(rb"<param>\s*<value>\s*(?:<string>)?[^<]*(?:</string>)?\s*</value>\s*</param>\s*<param>\s*<value>\s*(?:<string>)?(\w+)")
_QUERY_ENTITY = re.compile(r"\bFROM\s+(\w+)", re.IGNORECASE)


class CallCounter:
    """Counts Infusionsoft calls (XML-RPC methods or REST v2 operations) and QBO HTTP requests (by kind and entity)."""

    def __init__(self) -> None:
        self.keap: Counter = Counter()
        self.qbo: Counter = Counter()
        self.batch_items: Counter = Counter()  # operations inside batch requests, by operation and entity
        self.batch_sizes: Counter = Counter()  # batch requests by their number of operations
        # With --rss-log: records QBO's query answers carried, by entity (what the bulk reads bring in).
        self.count_rows = False
        self.qbo_rows: Counter = Counter()
        self.rows_lock = threading.Lock()  # answers come in on several threads

    def keap_request(self, request: httpx.Request) -> None:
        found = _METHOD.search(request.content or b"")
        method = found.group(1).decode() if found else "(other)"
        table = _XMLRPC_TABLE.search(request.content or b"") if method == "DataService.query" else None
        self.keap[f"{method} {table.group(1).decode()}" if table else method] += 1

    def qbo_response(self, response, *args, **kwargs) -> None:
        request = response.request
        path = urlparse(request.url).path
        if path.endswith("/query"):
            body = request.body.decode() if isinstance(request.body, bytes) else (request.body or "")
            found = _QUERY_ENTITY.search(body) or _QUERY_ENTITY.search(request.url)
            kind = f"query {found.group(1) if found else '?'}"
            if self.count_rows:
                self._count_rows(response)
        else:
            entity = path.rstrip("/").split("/")[-1] if request.method == "POST" else path.split("/")[-2]
            kind = f"{request.method} {entity}"
            if kind == "POST batch":
                self._count_batch_items(request.body)
        self.qbo[kind] += 1

    def _count_rows(self, response) -> None:
        try:
            answer = response.json().get("QueryResponse") or {}
        except ValueError:
            return
        with self.rows_lock:
            for entity, rows in answer.items():
                if isinstance(rows, list):
                    self.qbo_rows[entity] += len(rows)

    def rows_read(self) -> dict:
        with self.rows_lock:
            return dict(self.qbo_rows)

    def _count_batch_items(self, body) -> None:
        try:
            items = json.loads(body)["BatchItemRequest"]
        except (TypeError, ValueError, KeyError):
            self.batch_items["(unreadable)"] += 1
            return
        self.batch_sizes[len(items)] += 1
        for item in items:
            entity = next((k for k in item if k not in ("bId", "operation", "optionsData")), "?")
            self.batch_items[f"{item.get('operation', '?')} {entity}"] += 1


class RequestTrace:
    """Wraps the company's limits: for each QBO request (every attempt), when the client wanted to send it,
    when its pacing let it go, when its answer was in, and whether it was a batch. Times from perf_counter."""

    def __init__(self, limits) -> None:
        self._limits = limits
        self.requests: list[tuple[float, float, float, bool]] = []

    @contextmanager
    def slot(self, batch: bool = False):
        wanted = time.perf_counter()
        with self._limits.slot(batch=batch):
            sent = time.perf_counter()
            try:
                yield
            finally:
                self.requests.append((wanted, sent, time.perf_counter(), batch))

    def __getattr__(self, name):
        return getattr(self._limits, name)


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


def _glibc_mallinfo():
    """glibc's mallinfo2() (every arena summed), or None off glibc 2.33+."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        return libc.mallinfo2
    except (OSError, AttributeError):
        return None


_PYMALLOC_LINE = re.compile(r"^(\d+ arenas \* \d+ bytes/arena|# bytes in allocated blocks|# bytes in available blocks|"
                            r"\d+ unused pools \* \d+ bytes)\s*=\s*([\d,]+)", re.MULTILINE)


def pymalloc_stats() -> dict | None:
    """pymalloc's own arenas (where Python objects of up to 512 bytes live, outside malloc): MB in arenas,
    in blocks in use, and free in them (available blocks + unused pools), from _PyObject_DebugMallocStats
    (what sys._debugmallocstats prints) written to a temporary file. About 2 ms; None where it is missing or
    says nothing (with tracemalloc on)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.fopen.restype, libc.fopen.argtypes = ctypes.c_void_p, [ctypes.c_char_p, ctypes.c_char_p]
        libc.fclose.argtypes = [ctypes.c_void_p]
        stats = ctypes.pythonapi._PyObject_DebugMallocStats
        stats.argtypes = [ctypes.c_void_p]
    except (OSError, AttributeError):
        return None
    with tempfile.NamedTemporaryFile("r", prefix="pymalloc-") as out:
        handle = libc.fopen(out.name.encode(), b"w")
        if not handle:
            return None
        try:
            stats(handle)
        finally:
            libc.fclose(handle)
        found = {label: int(value.replace(",", "")) for label, value in _PYMALLOC_LINE.findall(out.read())}
    if not any("bytes/arena" in k for k in found):
        return None  # nothing printed: pymalloc is not the allocator in use (as under tracemalloc's hooks)
    arenas = sum(v for k, v in found.items() if "bytes/arena" in k)
    unused = sum(v for k, v in found.items() if "unused pools" in k)
    return {"pymalloc_arenas_mb": round(arenas / 2**20, 1),
            "pymalloc_used_mb": round(found.get("# bytes in allocated blocks", 0) / 2**20, 1),
            "pymalloc_free_mb": round((found.get("# bytes in available blocks", 0) + unused) / 2**20, 1)}


class MemoryLog:
    """--rss-log: one JSON line per sample, every `every` seconds (a thread) and at each phase change seen
    by SourceProbe and by ReadAhead.next. A sample: seconds since the sync started, the phase (what the
    source was last asked: the deleted-orders check, the order / invoice / payment scans with the records
    they have yielded, read batch N), the read batches read and handed over to posting, QBO batch requests
    sent, the process RSS (/proc/self/statm), pymalloc's blocks in use (sys.getallocatedblocks), gc's
    generation counts and glibc malloc's bytes in use, free inside its arenas and mmapped (mallinfo2; Python
    objects of up to 512 bytes live in pymalloc's own arenas, not in these). Cheap: about 0.1 ms a sample."""

    def __init__(self, path: str, every: float, counter: "CallCounter") -> None:
        self._file = open(path, "w")
        self._every = every
        self._counter = counter
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._mallinfo = _glibc_mallinfo()
        self._started = time.perf_counter()
        self._thread: threading.Thread | None = None
        self.phase = "start"
        self.scanned = 0  # records the current scan has yielded
        self.read_batches = 0  # orders_by_ids calls started (in the read-ahead thread)
        self.handed_batches = 0  # ReadAhead.next() calls answered (the batch posting now)
        self.samples: list[dict] = []
        # With --tracemalloc: the Python heap at the moments the report compares (see heap_changes).
        self.snapshots: dict[str, tracemalloc.Snapshot] = {}

    def start(self) -> None:
        self._started = time.perf_counter()
        self.sample("start")
        self._thread = threading.Thread(target=self._run, name="rss-log", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample("end")
        self._file.close()

    def enter(self, phase: str) -> None:
        self.sample(f"leaving {self.phase}")
        if phase == "Keap client open":
            self.snapshot("before the scans")
        elif phase == "read batch 1":
            self.snapshot("after the scans")
        self.phase, self.scanned = phase, 0

    def snapshot(self, name: str) -> None:
        if tracemalloc.is_tracing():
            self.snapshots[name] = tracemalloc.take_snapshot().filter_traces(
                [tracemalloc.Filter(False, tracemalloc.__file__)])

    def heap_changes(self, shown: int = 10) -> list[str]:
        """With --tracemalloc: what the scans left on the heap (from the Keap client's opening to the first
        read batch), and what grew from the second read batch's handover to the last one's (at a handover
        the next read has only just started: memory that grows with the account while the batches run), the
        largest source lines first."""
        lines = []
        pairs = [("the scans held", "before the scans", "after the scans"),
                 ("grew over the read batches", "batch 2 handed", "last batch handed")]
        for title, before, after in pairs:
            if before in self.snapshots and after in self.snapshots:
                stats = self.snapshots[after].compare_to(self.snapshots[before], "lineno")
                total = sum(stat.size_diff for stat in stats)
                lines.append(f"{title} ({before} -> {after}): {total / 2**20:+.1f} MB in all")
                lines += [f"  {stat}" for stat in stats[:shown]]
        return lines

    def sample(self, event: str = "") -> dict:
        with self._lock:
            row = {"t": round(time.perf_counter() - self._started, 2), "event": event, "phase": self.phase,
                   "scanned": self.scanned, "read_batches": self.read_batches,
                   "handed_batches": self.handed_batches, "qbo_batches": self._counter.qbo.get("POST batch", 0),
                   "qbo_rows_read": self._counter.rows_read(),
                   "rss_mb": round(rss_mb(), 1), "py_blocks": sys.getallocatedblocks(), "gc": list(gc.get_count())}
            row.update(pymalloc_stats() or {})
            if self._mallinfo is not None:
                info = self._mallinfo()
                row.update(malloc_used_mb=round(info.uordblks / 2**20, 1), malloc_free_mb=round(info.fordblks / 2**20, 1),
                           malloc_mmapped_mb=round(info.hblkhd / 2**20, 1))
            if tracemalloc.is_tracing():
                row["heap_mb"] = round(tracemalloc.get_traced_memory()[0] / 2**20, 1)
            self._file.write(json.dumps(row) + "\n")
            self._file.flush()
            self.samples.append(row)
            return row

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self.sample()

    def summary(self) -> list[str]:
        """RSS at the end of each phase (the scans, then every read batch) and its highest, for the report."""
        lines, by_phase = [], {}
        for row in self.samples:
            key = row["phase"]
            if key.startswith("read batch"):
                key = "read batches"
            entry = by_phase.setdefault(key, {"first": row, "last": row, "peak": row})
            entry["last"] = row
            if row["rss_mb"] > entry["peak"]["rss_mb"]:
                entry["peak"] = row
        for phase, entry in by_phase.items():
            first, last, peak = entry["first"], entry["last"], entry["peak"]
            lines.append(f"{phase}: {first['t']:.0f}-{last['t']:.0f} s, RSS {first['rss_mb']:.0f} -> "
                         f"{last['rss_mb']:.0f} MB (peak {peak['rss_mb']:.0f} at {peak['t']:.0f} s), pymalloc "
                         f"blocks {first['py_blocks']:,} -> {last['py_blocks']:,}"
                         + (f", pymalloc arenas {first['pymalloc_arenas_mb']:.0f} -> {last['pymalloc_arenas_mb']:.0f} MB "
                            f"({last['pymalloc_used_mb']:.0f} in use)" if "pymalloc_arenas_mb" in first else "")
                         + (f", malloc in use {first['malloc_used_mb']:.0f} -> {last['malloc_used_mb']:.0f} MB, "
                            f"free {last['malloc_free_mb']:.0f} MB" if "malloc_used_mb" in first else ""))
        handovers = [row for row in self.samples if "handed to posting" in row["event"]]
        if handovers:  # what QBO's query answers carried between handovers: the bulk reads of a read batch
            before: dict = {}
            reads = []
            for row in handovers + [self.samples[-1]]:
                now = row.get("qbo_rows_read", {})
                reads.append(", ".join(f"{k} {now.get(k, 0) - before.get(k, 0):,}" for k in sorted(now)
                                       if now.get(k, 0) != before.get(k, 0)) or "-")
                before = now
            lines.append("QBO records in query answers, #N up to the Nth handover since the one before (read batch "
                         "N's bulk reads, ahead, and the queries posting batch N-1 made; the last: to the end): "
                         + "; ".join(f"#{n} {text}" for n, text in enumerate(reads, start=1)))
        return lines


class SourceProbe:
    """The cycle's OrderSource with each call named in the MemoryLog: which phase the sync is in."""

    _SCANS = {"orders_changed_since": "scan orders", "invoices_changed_since": "scan invoices",
              "payments_since": "scan payments (by date)", "payments_after_id": "scan payments (by id)"}

    def __init__(self, source, log: MemoryLog) -> None:
        self._source = source
        self._log = log

    def __getattr__(self, name):
        attribute = getattr(self._source, name)
        if not callable(attribute):
            return attribute
        if name in self._SCANS:
            return lambda *args, **kwargs: self._scan(self._SCANS[name], attribute(*args, **kwargs))
        if name == "orders_by_ids":
            def orders_by_ids(*args, **kwargs):
                self._log.read_batches += 1
                self._log.enter(f"read batch {self._log.read_batches}")
                return attribute(*args, **kwargs)
            return orders_by_ids
        if name in ("existing_order_ids", "invoices_by_ids") and not self._log.read_batches:
            def before_batches(*args, **kwargs):
                self._log.enter(name)
                return attribute(*args, **kwargs)
            return before_batches
        return attribute

    def _scan(self, phase: str, records):
        self._log.enter(phase)
        for record in records:
            self._log.scanned += 1
            yield record
        self._log.sample(f"{phase} done ({self._log.scanned:,} records)")


@contextmanager
def counting_handovers(log: MemoryLog):
    """Counts ReadAhead.next() (a read batch handed over to posting) in the MemoryLog while the sync runs;
    nothing when the sync has no ReadAhead where this looks (syncsvc.sync.ahead, then .bundles)."""
    import importlib

    read_ahead = None
    for module in ("syncsvc.sync.ahead", "syncsvc.sync.bundles"):
        try:
            read_ahead = getattr(importlib.import_module(module), "ReadAhead", None)
        except ImportError:
            continue
        if read_ahead is not None:
            break
    if read_ahead is None:
        yield
        return
    original = read_ahead.next

    def next_batch(reads, *args, **kwargs):
        taken = original(reads, *args, **kwargs)
        log.handed_batches += 1
        log.sample(f"batch {log.handed_batches} handed to posting")
        if log.handed_batches == 2:
            log.snapshot("batch 2 handed")
        elif log.handed_batches > 2:
            log.snapshot("last batch handed")  # replaced at each handover: the last one stays
        return taken
    read_ahead.next = next_batch
    try:
        yield
    finally:
        read_ahead.next = original


def union_seconds(intervals) -> float:
    """The length of the union of (start, end) intervals."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted(intervals):
        if end <= reach:
            continue
        total += end - max(start, reach)
        reach = end
    return total


def project(trace: list, started: float, ended: float, scale: float, run_latency: float) -> dict:
    """Seconds the same sync takes at production limits, from a run whose rate window AND latency were both
    scaled down by `scale` (K): every QuickBooks-side time in it is 1/K of production's, and the service's
    rounds (one batch each, waiting for its answer) meet the batch limit as in production. So:

        projected = free + K * (limits_only + answers) - (K - 1) * overhead

    free: time with no QBO request outstanding (the service's own work: CPU, state database, Keap calls;
    not scaled); limits_only: time some request waits on the client's limits and none is being answered;
    answers: time at least one request is being answered; overhead: the part of the answers that is the
    sandbox's own processing and loopback, beyond the configured latency (not scaled either), counted once
    per overlapped span. Exact at K = 1.

    It can fall short: the service's own work takes as long in the run as in production, but the windows
    are K times shorter, so while it works the window drains K times more than it would in production and
    batches that production would hold go at once. So the returned "high" adds (K - 1) * free: the truth
    lies between "projected" (at least the pacing bound) and "high"."""
    wall = ended - started
    queued = union_seconds((wanted, answered) for wanted, _, answered, _ in trace)
    answering = union_seconds((sent, answered) for _, sent, answered, _ in trace)
    answer_sum = sum(answered - sent for _, sent, answered, _ in trace)
    overhead_sum = sum(max(0.0, answered - sent - run_latency) for _, sent, answered, _ in trace)
    overhead = overhead_sum * (answering / answer_sum) if answer_sum else 0.0
    free = wall - queued
    limits_only = queued - answering
    answers = scale * answering - (scale - 1) * overhead
    projected = free + scale * limits_only + answers
    return {"free": free, "limits_only": scale * limits_only, "answers": answers,
            "projected": projected, "high": projected + (scale - 1) * free,
            "overhead_per_request_ms": overhead_sum / len(trace) * 1000 if trace else 0.0,
            "concurrency": answer_sum / answering if answering else 0.0}


def run_latency(args) -> float:
    """Seconds the sandbox takes per answer in this run: none without --real-limits, else --qbo-latency / K
    (scaled with the window, so the service meets its limits as often as in production)."""
    return args.qbo_latency / args.time_scale if args.real_limits else 0.0


def start_sandboxes(args) -> tuple[subprocess.Popen, dict]:
    command = [sys.executable, str(BENCH_DIR / "sandboxes.py"), "--orders", str(args.orders), "--seed", str(args.seed)]
    if args.real_limits:
        command += ["--real-limits", "--time-scale", str(args.time_scale), "--qbo-latency", str(run_latency(args))]
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = child.stdout.readline()
    if not line:
        raise SystemExit(f"the sandbox process exited ({child.wait()}) before it was ready")
    return child, json.loads(line)


def stop_sandboxes(child: subprocess.Popen) -> dict:
    child.stdin.close()
    line = child.stdout.readline()
    child.wait(timeout=30)
    return json.loads(line) if line else {}


def settings_for(info: dict, database_url: str, batch_size: int, api: str = "rest", window: float | None = None):
    """The service's settings for the bench. window=None: QBO pacing raised out of the way (the sandbox has no
    quotas either); else the client's default pacing (450 requests, 39 batches, 4 in flight) per `window`
    seconds, and a 429's wait scaled the same way (60 s in production)."""
    from syncsvc.config import settings_from_dict

    quickbooks = {"api_base_url": info["qbo_api_base_url"], "discovery_url": info["qbo_discovery_url"],
                  "realm_id": info["realm"]}
    if window is None:
        quickbooks.update(requests_per_minute=UNLIMITED, batch_requests_per_minute=UNLIMITED)
    else:
        quickbooks.update(rate_window_seconds=window, throttle_wait_seconds=window)
    return settings_from_dict({
        "infusionsoft": {"api": api, "base_url": info["keap_url"], "rest_base_url": info["keap_rest_url"],
                         "requests_per_second": 10**6, "requests_per_minute": 10**9},
        "quickbooks": quickbooks,
        "state": {"database_url": database_url},
        "sync": {"batch_size": batch_size},
    }, where="<bench>")


def prepare_state(info: dict, database_url: str) -> None:
    from syncsvc.store.db import upgrade
    from syncsvc.store.tokens import SqlTokenStore, TokenCipher
    from syncsvc.tokens import token_set_from_response

    os.environ["SYNCSVC_INFUSIONSOFT_API_KEY"] = info["keap_key"]
    os.environ["SYNCSVC_QUICKBOOKS_CLIENT_ID"] = info["qbo_client_id"]
    os.environ["SYNCSVC_QUICKBOOKS_CLIENT_SECRET"] = info["qbo_client_secret"]
    os.environ["SYNCSVC_SECRET_KEY"] = PASSPHRASE
    upgrade(database_url)
    SqlTokenStore(database_url, connection="default", provider="quickbooks", account=info["realm"],
                  cipher=TokenCipher(PASSPHRASE)).save(token_set_from_response(info["tokens"]))


def run_backfill(settings, counter: CallCounter, traces: list, memory: MemoryLog | None = None):
    """One cycle, wired like syncsvc.sync.wiring.open_parts, with counting hooks on both clients and the
    QBO requests traced (appended to `traces`); with `memory`, the source's calls and the read batches
    handed over are named in it."""
    from syncsvc.infusionsoft.client import InfusionsoftClient
    from syncsvc.quickbooks.client import open_company
    from syncsvc.sync.cycle import run_cycle
    from syncsvc.sync.wiring import state_store

    def cycle(source):
        if memory is None:
            return run_cycle(source, qb, state, settings.sync)
        memory.enter("Keap client open")
        with counting_handovers(memory):
            try:
                return run_cycle(SourceProbe(source, memory), qb, state, settings.sync)
            finally:
                memory.enter("cycle done (Keap client still open)")

    state = state_store(settings)
    company = open_company(settings)
    company.limits = RequestTrace(company.limits)
    traces.append(company.limits)
    qb = company.client()
    qb.session.hooks["response"].append(counter.qbo_response)
    if settings.infusionsoft.api == "rest":
        from syncsvc.infusionsoft.rest.client import KeapRestClient

        try:
            with KeapRestClient.from_settings(settings) as keap:
                try:
                    return cycle(keap.source)
                finally:
                    counter.keap.update(keap.caller.calls_by_operation)
        finally:
            state.engine.dispose()
    http = httpx.Client(timeout=settings.infusionsoft.timeout_seconds,
                        event_hooks={"request": [counter.keap_request]})
    try:
        with InfusionsoftClient.from_settings(settings, http=http) as keap:
            return cycle(keap.source)
    finally:
        http.close()
        state.engine.dispose()


def code_version() -> str:
    """The last commit that changed syncsvc/, with '+changes' when syncsvc/ differs from it (the tree is
    shared)."""
    def git(*argv):
        return subprocess.run(["git", *argv], cwd=BENCH_DIR.parent, capture_output=True, text=True).stdout.strip()
    head = git("log", "-1", "--format=%h", "--", "syncsvc") or "?"
    return head + ("+changes" if git("status", "--porcelain", "--", "syncsvc") else "")


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description="Backfill benchmark of the sync engine on both sandboxes.")
    parser.add_argument("--orders", type=int, default=10_000, help="orders in the generated account (default 10000)")
    parser.add_argument("--seed", type=int, default=7)
    default_batch = SyncSettings().batch_size
    parser.add_argument("--batch-size", type=int, default=default_batch,
                        help=f"[sync].batch_size (default: the service's, {default_batch})")
    parser.add_argument("--api", choices=("rest", "xmlrpc"), default="rest",
                        help="the Keap API to read: REST v2 (default) or XML-RPC")
    parser.add_argument("--real-limits", action="store_true",
                        help="QuickBooks' real limits (500 requests, 40 batches a window, 10 in flight) and latency, "
                             "the client on its default pacing, on a window of 60/K seconds")
    parser.add_argument("--time-scale", type=float, default=DEFAULT_TIME_SCALE, metavar="K",
                        help=f"with --real-limits: the rate window is 60/K seconds and each answer takes "
                             f"--qbo-latency/K (default {DEFAULT_TIME_SCALE:g}; 1 = production's own times)")
    parser.add_argument("--qbo-latency", type=float, default=0.25, metavar="SECONDS",
                        help="seconds per QBO answer in production (default 0.25)")
    parser.add_argument("--database-url", help="state database (default: SQLite in a temporary directory)")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also report the Python-heap peak and what the sync still holds at its end "
                             "(slows the sync down about 2x)")
    parser.add_argument("--rss-log", metavar="PATH",
                        help="write the process's memory as JSON lines to PATH: every --rss-every seconds and at "
                             "each phase change (the scans, every read batch), and summarize it per phase")
    parser.add_argument("--rss-every", type=float, default=1.0, metavar="SECONDS",
                        help="with --rss-log: seconds between samples (default 1)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object as well")
    args = parser.parse_args()
    if args.time_scale <= 0:
        parser.error("--time-scale must be > 0")

    mode = (f"real limits, window {60 / args.time_scale:g} s and {run_latency(args):g} s per answer "
            f"(K={args.time_scale:g})" if args.real_limits else "no quotas or latency")
    print(f"Generating {args.orders:,} orders in the sandbox process (reading Keap through {args.api}; QBO: {mode})...",
          flush=True)
    version = code_version()  # before the sync: the tree may change while it runs
    child, info = start_sandboxes(args)
    try:
        with tempfile.TemporaryDirectory(prefix="syncsvc-bench-") as tmp:
            database_url = args.database_url or f"sqlite:///{Path(tmp) / 'state.sqlite3'}"
            prepare_state(info, database_url)
            window = 60.0 / args.time_scale if args.real_limits else None
            settings = settings_for(info, database_url, args.batch_size, args.api, window)
            counter = CallCounter()
            traces: list[RequestTrace] = []
            rss_before = rss_mb()
            if args.tracemalloc:
                tracemalloc.start()
            memory = MemoryLog(args.rss_log, args.rss_every, counter) if args.rss_log else None
            counter.count_rows = memory is not None
            print(f"Account generated in {info['generated_seconds']} s; syncing...", flush=True)
            started = time.perf_counter()
            cpu_started = time.process_time()
            if memory is not None:
                memory.start()
            try:
                summary = run_backfill(settings, counter, traces, memory)
            finally:
                if memory is not None:
                    memory.stop()
            ended = time.perf_counter()
            cpu_seconds = time.process_time() - cpu_started
            heap_peak = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else None
            if args.tracemalloc:  # what the sync still holds at its end: memory that grows with the account
                for stat in tracemalloc.take_snapshot().statistics("lineno")[:8]:
                    print(f"  held at the end: {stat}")
            peak = peak_rss_mb()
    finally:
        held = stop_sandboxes(child)
    load = os.getloadavg()

    trace = traces[0].requests if traces else []
    figures = compute_figures(args, info, summary, counter, settings, trace, started, ended, cpu_seconds,
                              rss_before, peak, heap_peak, held, load)
    figures["commit"] = version
    print_report(figures, summary, counter)
    if memory is not None:
        print(f"  memory by phase (--rss-log {args.rss_log}):")
        for line in memory.summary() + memory.heap_changes():
            print(f"    {line}")
    if args.json:
        print(json.dumps(figures, default=str))
    return 0 if summary.ok else 1


def compute_figures(args, info, summary, counter, settings, trace, started, ended, cpu_seconds, rss_before, peak,
                    heap_peak, held, load) -> dict:
    c = summary.counts
    qs = settings.quickbooks
    defaults = type(qs)()  # production pacing: the client's defaults (450, 39 per 60 s)
    seconds = ended - started
    documents = c["invoices"] + c["sales_receipts"] + c["payments"]
    keap_calls = sum(counter.keap.values())
    qbo_requests = sum(counter.qbo.values())
    batches = counter.qbo.get("POST batch", 0)
    batch_ops = sum(counter.batch_items.values())
    writes_alone = sum(n for kind, n in counter.qbo.items()
                       if not kind.startswith(("query", "GET")) and kind != "POST batch")
    write_ops = batch_ops + writes_alone
    traffic = held.get("qbo_traffic", {})

    # The last batch (request) cannot leave before this many minutes: a sliding window lets the first 39 (450)
    # go at once, the next 39 a minute later, and so on.
    pacing_bound = max((batches - 1) // defaults.batch_requests_per_minute if batches else 0,
                       (qbo_requests - 1) // defaults.requests_per_minute if qbo_requests else 0)
    projection = project(trace, started, ended, args.time_scale, run_latency(args)) if args.real_limits else None
    paced = sum(sent - wanted for wanted, sent, _, _ in trace)

    def minutes(key):
        return round(projection[key] / 60, 1) if projection else None
    return {
        "api": args.api,
        "mode": "real_limits" if args.real_limits else "unlimited",
        "time_scale": args.time_scale if args.real_limits else None,
        "window_seconds": qs.rate_window_seconds,
        "qbo_latency": args.qbo_latency,
        "run_latency": run_latency(args),
        "load_average": [round(x, 2) for x in load],
        "orders_generated": args.orders,
        "orders_synced": c["orders"],
        "invoices": c["invoices"], "sales_receipts": c["sales_receipts"], "payments": c["payments"],
        "customers_created": c["customers_created"], "items_created": c["items_created"],
        "held": c["held"], "skipped": c["skipped"], "errors": c["errors"],
        "posted_documents": documents,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu_seconds, 1),
        "cpu_ms_per_order": cpu_seconds * 1000 / c["orders"] if c["orders"] else 0.0,
        "orders_per_minute": round(c["orders"] / seconds * 60) if seconds else 0,
        "keap_calls": keap_calls,
        "keap_per_order": keap_calls / c["orders"] if c["orders"] else 0.0,
        "qbo_requests": qbo_requests,
        "qbo_requests_traced": len(trace),
        "qbo_batches": batches,
        "qbo_batch_ops": batch_ops,
        "qbo_writes_alone": writes_alone,
        "ops_per_batch": batch_ops / batches if batches else 0.0,
        "batch_sizes": dict(sorted(counter.batch_sizes.items())),
        "qbo_per_document": qbo_requests / documents if documents else 0.0,
        "throttled": traffic.get("throttled"),
        "throttled_by": traffic.get("throttled_by"),
        "rss_before_mb": round(rss_before, 1),
        "peak_rss_mb": round(peak, 1),
        "heap_peak_mb": round(heap_peak, 1) if heap_peak is not None else None,
        # At production limits (minutes).
        "projected_minutes": (round(max(projection["projected"] / 60, pacing_bound), 1)
                              if projection else None),
        "projected_high_minutes": minutes("high"),
        "target_minutes": round(TARGETS["minutes_per_10k_orders"] * args.orders / 10_000, 1),
        "batch_bound_minutes": round(write_ops / QBO_BATCH_MAX_ITEMS / QBO_BATCH_LIMIT_PER_MINUTE, 1),
        "pacing_bound_minutes": pacing_bound,
        "client_batches_per_minute": defaults.batch_requests_per_minute,
        "service_work_minutes": minutes("free"),
        "waiting_on_limits_minutes": minutes("limits_only"),
        "waiting_on_answers_minutes": minutes("answers"),
        "answer_overhead_ms": round(projection["overhead_per_request_ms"], 1) if projection else None,
        "requests_in_flight": round(projection["concurrency"], 2) if projection else None,
        "keap_quota_minutes": round(keap_calls / KEAP_CALLS_PER_MINUTE, 1),
        "paced_seconds": round(paced, 1),
        "generated_seconds": info["generated_seconds"],
        "qbo_held": held.get("qbo_counts", {}),
    }


def projected_range(f: dict) -> str:
    low, high = f["projected_minutes"], max(f["projected_high_minutes"], f["projected_minutes"])
    return f"{low:,.1f} min" if high - low < 0.05 else f"{low:,.1f}-{high:,.1f} min"


def range_verdict(f: dict) -> str:
    target = f["target_minutes"]
    if f["projected_minutes"] > target:
        return "MISSED"
    return "ok" if f["projected_high_minutes"] <= target else "ok at the lower figure only"


def held_reasons(held: dict, shown: int = 4) -> list[tuple[str, int]]:
    """The most common reasons orders were held, numbers masked so that one cause counts once."""
    reasons = Counter(re.sub(r"\d+", "N", " ".join(str(reason).split()))[:140] for reason in held.values())
    return reasons.most_common(shown)


def batch_size_bands(sizes: Counter) -> list[tuple[str, int]]:
    bands = [("30", 30, 30), ("20-29", 20, 29), ("10-19", 10, 19), ("2-9", 2, 9), ("1", 1, 1)]
    return [(label, sum(n for size, n in sizes.items() if low <= size <= high)) for label, low, high in bands]


def print_report(f: dict, summary, counter: CallCounter) -> None:
    def verdict(value, target, lower=True):
        if value is None:
            return "(not measured)"
        return "ok" if (value <= target if lower else value >= target) else "MISSED"

    t = TARGETS
    load = "/".join(f"{x:.2f}" for x in f["load_average"])
    if f["mode"] == "real_limits":
        run_mode = (f"QBO at its real limits on a {f['window_seconds']:g} s window, {f['run_latency']:g} s per "
                    f"answer (K={f['time_scale']:g}); {f['paced_seconds']:,.1f} s waited on the client's limits")
    else:
        run_mode = "sandboxes without quotas or latency"
    rows = [
        ("orders synced", f"{f['orders_synced']:,}", ""),
        ("posted documents", f"{f['posted_documents']:,}",
         f"{f['invoices']:,} invoices, {f['sales_receipts']:,} receipts, {f['payments']:,} payments"),
        ("wall time (this run)", f"{f['seconds']:,.1f} s",
         f"{f['orders_per_minute']:,} orders/min; {run_mode}; load average {load}; code {f['commit']}"),
    ]
    if f["projected_minutes"] is not None:
        rows += [
            ("PROJECTED at production limits", projected_range(f),
             f"target <= {t['minutes_per_10k_orders']:g} min at 10,000 orders (pro rata {f['target_minutes']:g} "
             f"min here) {range_verdict(f)}; 60 s windows, {f['qbo_latency']:g} s per answer; the higher "
             f"figure adds (K-1) x the service's own work, which hides pacing waits K times too well here"),
            ("  = the service's own work", f"{f['service_work_minutes']:,.1f} min",
             "no QBO request out or waiting (CPU, state database, Keap calls): as measured"),
            ("  + waiting on answers", f"{f['waiting_on_answers_minutes']:,.1f} min",
             f"K x the time some request was being answered ({f['requests_in_flight']:g} in flight on average), "
             f"less (K-1) x the sandbox's own {f['answer_overhead_ms']:g} ms per answer"),
            ("  + waiting on the client's limits", f"{f['waiting_on_limits_minutes']:,.1f} min",
             "K x the time requests waited on pacing or the in-flight cap with none being answered"),
        ]
    rows += [
        ("  batch bound", f"{f['batch_bound_minutes']:,.1f} min",
         f"{f['qbo_batch_ops'] + f['qbo_writes_alone']:,} write operations / 30 per batch / "
         f"{QBO_BATCH_LIMIT_PER_MINUTE} batches per minute (QBO's limit)"),
        ("  pacing bound", f"{f['pacing_bound_minutes']:,} min",
         f"the last batch or request leaves no sooner: max(({f['qbo_batches']:,} batches - 1) // {f['client_batches_per_minute']}, "
         f"({f['qbo_requests']:,} requests - 1) // 450) minutes"),
    ]
    if f["projected_minutes"] is None:
        rows.append(("  projected", "-", "run with --real-limits for a projection (how the rounds meet the "
                                         "batch limit depends on the answer time)"))
    rows += [
        ("429s received", f"{f['throttled'] if f['throttled'] is not None else '?'}",
         f"from the QBO sandbox ({', '.join(f'{k} {v}' for k, v in (f['throttled_by'] or {}).items())}); "
         f"target {t['throttled']} {verdict(f['throttled'], t['throttled'])}"),
        ("QBO requests per posted document", f"{f['qbo_per_document']:.3f}",
         f"{f['qbo_requests']:,} requests; target <= {t['qbo_per_document']} "
         f"{verdict(f['qbo_per_document'], t['qbo_per_document'])}"),
        ("batch fill", f"{f['ops_per_batch']:.1f}",
         f"operations per batch request ({f['qbo_batch_ops']:,} in {f['qbo_batches']:,} batches; "
         f"{f['qbo_writes_alone']:,} writes sent alone)"),
        ("Infusionsoft calls per order", f"{f['keap_per_order']:.4f}",
         f"{f['keap_calls']:,} calls ({f['keap_quota_minutes']:,.1f} min at Keap's {KEAP_CALLS_PER_MINUTE}/min); "
         f"target <= {t['keap_per_order']} {verdict(f['keap_per_order'], t['keap_per_order'])}"),
        ("CPU per order", f"{f['cpu_ms_per_order']:.1f} ms",
         f"{f['cpu_seconds']:,.1f} s CPU in the service process; target <= {t['cpu_ms_per_order']:g} ms "
         f"{verdict(f['cpu_ms_per_order'], t['cpu_ms_per_order'])}"),
        ("peak memory (RSS)", f"{f['peak_rss_mb']:.0f} MB",
         f"{f['rss_before_mb']:.0f} MB before the sync; target < {t['peak_mb']:.0f} MB "
         f"{verdict(f['peak_rss_mb'], t['peak_mb'])}"),
    ]
    if f["heap_peak_mb"] is not None:
        rows.append(("Python heap peak (tracemalloc)", f"{f['heap_peak_mb']:.0f} MB", "during the sync"))
    width = max(len(r[0]) for r in rows)
    vwidth = max(len(r[1]) for r in rows)
    print()
    for label, value, note in rows:
        print(f"  {label:<{width}}  {value:>{vwidth}}  {note}")
    print(f"\n  {summary.line()}")
    if summary.held:
        print("  held, by reason: " + "; ".join(f"{n} x {reason}" for reason, n in held_reasons(summary.held)))
    print("  Infusionsoft calls: " + ", ".join(f"{k} {v}" for k, v in counter.keap.most_common()))
    print("  QBO requests: " + ", ".join(f"{k} {v}" for k, v in counter.qbo.most_common()))
    if counter.batch_items:
        print("  inside the batches: " + ", ".join(f"{k} {v}" for k, v in counter.batch_items.most_common()))
        print("  batch requests by operations carried: " + ", ".join(
            f"{label} {n}" for label, n in batch_size_bands(counter.batch_sizes) if n))
    if f["qbo_held"]:
        print("  QBO company now holds: " + ", ".join(f"{k} {v}" for k, v in sorted(f["qbo_held"].items())))


if __name__ == "__main__":
    raise SystemExit(main())
