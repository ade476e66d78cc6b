"""Serve one QBO sandbox company on loopback, with QBO's limits or the ones given, until standard input closes.

    python -m syncsvc.sandbox.quickbooks [--latency 0.3] [--batch-requests-per-minute 40] ...

Prints one JSON line: where to connect (api_base_url, discovery_url), the sandbox's client id and secret, the
company (realm) and its tokens, and the options in force. When standard input closes (or on SIGTERM / Ctrl-C)
it prints one more line, {"traffic": ...} (what the throttles let through and refused), and exits 0. A
benchmark runs it as a child process so the sandbox's CPU and memory are not counted as the service's.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import signal
import sys
import threading

from .limits import Options
from .sandbox import QuickBooksSandbox


def main(argv: list[str] | None = None) -> int:
    defaults = Options()
    parser = argparse.ArgumentParser(prog="python -m syncsvc.sandbox.quickbooks", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="default: a free one")
    parser.add_argument("--company", default="Sandbox Company", help="the company's name")
    parser.add_argument("--requests-per-minute", type=int, default=defaults.requests_per_minute)
    parser.add_argument("--batch-requests-per-minute", type=int, default=defaults.batch_requests_per_minute)
    parser.add_argument("--max-in-flight", type=int, default=defaults.max_in_flight)
    parser.add_argument("--window-seconds", type=float, default=defaults.window_seconds,
                        help="the length of the 'minute' both rate limits count in (default 60)")
    parser.add_argument("--latency", type=float, default=defaults.latency, help="seconds added to every API answer")
    parser.add_argument("--batch-item-latency", type=float, default=defaults.batch_item_latency,
                        help="seconds a batch answer takes per item, on top of --latency")
    parser.add_argument("--retry-after", type=int, default=None, help="send Retry-After: N with every 429")
    args = parser.parse_args(argv)

    sandbox = QuickBooksSandbox(
        requests_per_minute=args.requests_per_minute, window_seconds=args.window_seconds,
        max_in_flight=args.max_in_flight, latency=args.latency, port=args.port,
        batch_requests_per_minute=args.batch_requests_per_minute, batch_item_latency=args.batch_item_latency,
        retry_after=args.retry_after,
    ).start()
    realm = sandbox.create_company(args.company)
    # The sandbox's own throwaway credentials, for the process that started it.
    print(json.dumps({
        "api_base_url": sandbox.api_base_url, "discovery_url": sandbox.discovery_url,
        "client_id": sandbox.CLIENT_ID, "client_secret": sandbox.CLIENT_SECRET,
        "realm": realm, "tokens": sandbox.issue_tokens(realm),
        "options": dataclasses.asdict(sandbox.options(realm)),
    }), flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    finally:
        print(json.dumps({"traffic": sandbox.traffic(realm)}), flush=True)
        sandbox.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
