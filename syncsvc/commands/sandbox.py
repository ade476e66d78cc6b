"""`syncsvc sandbox`: serve both API sandboxes on loopback and print how to point the service at them."""

from __future__ import annotations

import signal
import threading

# The generator's mixes (syncsvc.sandbox.infusionsoft.generator.MIXES), named here so that
# building the CLI parser does not import the sandbox.
MIX_CHOICES = ("typical", "stress")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "sandbox",
        help="serve the Infusionsoft and QuickBooks sandboxes on loopback",
        description="Serve the built-in Infusionsoft and QuickBooks Online sandboxes on 127.0.0.1 "
        "and print the config lines that point syncsvc at them.",
    )
    parser.add_argument("--infusionsoft-port", type=int, default=0, help="port for the Infusionsoft sandbox (default: a free one)")
    parser.add_argument("--quickbooks-port", type=int, default=0, help="port for the QuickBooks sandbox (default: a free one)")
    parser.add_argument("--orders", type=int, default=0, help="seed the Infusionsoft account with this many generated orders")
    parser.add_argument("--seed", type=int, default=0, help="random seed for the generated account")
    parser.add_argument(
        "--mix", choices=MIX_CHOICES, default="typical",
        help="how messy the generated account is: typical (about 7%% of sales lines without SKU or product, "
        "so on the unknown item) or stress (about 40%%, as the tests and benchmark use); default typical",
    )
    parser.add_argument(
        "--real-quotas", action="store_true", help="enforce Keap's service-key quotas (10/s, 240/min) instead of none"
    )
    parser.add_argument(
        "--xmlrpc-off-from", type=moment, metavar="WHEN",
        help="switch the sandbox's XML-RPC face off from WHEN (ISO date or date-time, UTC unless it says; "
        "'now' for at once), as Keap does after 2026-12-31; REST v2 goes on",
    )
    parser.set_defaults(handler=run)


def moment(text: str):
    """--xmlrpc-off-from: 'now', an ISO date (midnight UTC) or an ISO date-time (UTC unless it has an offset)."""
    from argparse import ArgumentTypeError
    from datetime import datetime, timezone

    if text.strip().lower() == "now":
        return datetime.now(timezone.utc)
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ArgumentTypeError(f"{text!r}: expected 'now', a date such as 2027-01-01 "
                          f"or a date-time such as 2027-01-01T05:00:00+00:00") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def start_sandboxes(infusionsoft_port: int = 0, quickbooks_port: int = 0, real_quotas: bool = False):
    """Start both sandboxes and a QuickBooks company; return (infusionsoft, quickbooks, realm_id)."""
    from syncsvc.sandbox.infusionsoft import InfusionsoftSandbox
    from syncsvc.sandbox.quickbooks import QuickBooksSandbox

    quotas = InfusionsoftSandbox.SERVICE_KEY_QUOTAS if real_quotas else None
    infusionsoft = InfusionsoftSandbox(quotas=quotas, port=infusionsoft_port).start()
    quickbooks = QuickBooksSandbox(port=quickbooks_port).start()
    realm_id = quickbooks.create_company(name="Sandbox Company")
    return infusionsoft, quickbooks, realm_id


def config_lines(infusionsoft, quickbooks, realm_id: str) -> str:
    return "\n".join(
        [
            "[infusionsoft]",
            'api = "rest"',
            f'rest_base_url = "{infusionsoft.rest_url}"',
            f'base_url = "{infusionsoft.xmlrpc_url}"',
            'auth = "service_key"',
            f'token_url = "{infusionsoft.token_url}"',
            "",
            "[quickbooks]",
            f'api_base_url = "{quickbooks.api_base_url}"',
            f'discovery_url = "{quickbooks.discovery_url}"',
            f'realm_id = "{realm_id}"',
        ]
    )


def run(args) -> int:
    infusionsoft, quickbooks, realm_id = start_sandboxes(args.infusionsoft_port, args.quickbooks_port, args.real_quotas)
    if args.orders:
        from syncsvc.sandbox.infusionsoft.generator import generate_account

        generate_account(infusionsoft.store, orders=args.orders, seed=args.seed, mix=args.mix)
    if args.xmlrpc_off_from is not None:
        infusionsoft.set_xmlrpc_off_from(args.xmlrpc_off_from)
    tokens = quickbooks.issue_tokens(realm_id)
    # These are the sandboxes' own throwaway credentials, printed so a person can copy them.
    print("Sandboxes are running. Put these lines in your config file:\n")
    print(config_lines(infusionsoft, quickbooks, realm_id))
    print("\nand set, in the environment (sandbox credentials, not real ones):\n")
    print(f"export SYNCSVC_INFUSIONSOFT_API_KEY={infusionsoft.SERVICE_KEY}")
    print(f"export SYNCSVC_QUICKBOOKS_CLIENT_ID={quickbooks.CLIENT_ID}")
    print(f"export SYNCSVC_QUICKBOOKS_CLIENT_SECRET={quickbooks.CLIENT_SECRET}")
    print("export SYNCSVC_SECRET_KEY=sandbox-only-secret")
    print("\nthen store the QuickBooks tokens once:\n")
    print(f"syncsvc connect quickbooks --realm-id {realm_id} --refresh-token {tokens['refresh_token']}")
    print("\nPress Ctrl-C to stop.", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        infusionsoft.stop()
        quickbooks.stop()
    return 0
