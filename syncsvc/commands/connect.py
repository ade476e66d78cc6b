"""`syncsvc connect quickbooks`: authorize a QuickBooks company, or import its refresh token."""

from __future__ import annotations

import sys
import webbrowser


def register(subparsers) -> None:
    parser = subparsers.add_parser("connect", help="connect an account (stores its OAuth tokens)")
    providers = parser.add_subparsers(dest="provider", metavar="PROVIDER", required=True)
    qb = providers.add_parser(
        "quickbooks",
        help="connect a QuickBooks Online company",
        description="Without options: print the authorization URL, open it in a browser, and wait for "
        "Intuit's redirect on the port of [quickbooks].redirect_uri. With --refresh-token: "
        "import tokens obtained elsewhere (headless servers, containers) for the company --realm-id names "
        "(default [quickbooks].realm_id); the token is refreshed once to validate it. "
        "`--refresh-token -` reads it from standard input (asking for it, not echoed, on a terminal), so it "
        "stays out of the process list and shell history. "
        "Needs SYNCSVC_QUICKBOOKS_CLIENT_ID/_SECRET and SYNCSVC_SECRET_KEY.",
    )
    qb.add_argument("--realm-id", help="company (realm) id, with --refresh-token (default [quickbooks].realm_id)")
    qb.add_argument("--refresh-token", metavar="TOKEN",
                    help="refresh token to import; '-' reads it from standard input (recommended)")
    qb.add_argument("--no-browser", action="store_true", help="only print the authorization URL")
    qb.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the redirect (default 300)")
    qb.set_defaults(handler=connect_quickbooks)


def connect_quickbooks(args) -> int:
    from syncsvc.config import load_settings
    from syncsvc.errors import ConfigError
    from syncsvc.quickbooks.client import PROVIDER
    from syncsvc.quickbooks.connecting import authorize_interactively, import_refresh_token
    from syncsvc.store.db import redacted, upgrade
    from syncsvc.store.tokens import SqlTokenStore, TokenCipher

    settings = load_settings(args.config)
    client_id = settings.secret("quickbooks_client_id")
    client_secret = settings.secret("quickbooks_client_secret")
    cipher = TokenCipher.from_settings(settings)
    realm_id = token = None
    if args.realm_id or args.refresh_token:  # import: everything it needs is checked before the database
        if not args.refresh_token:
            raise ConfigError("--realm-id goes with --refresh-token (without both, connect authorizes in a browser)")
        realm_id = args.realm_id or settings.quickbooks.realm_id
        if not realm_id:
            raise ConfigError(f"--refresh-token needs the company: pass --realm-id ID or set [quickbooks].realm_id "
                              f"in {settings.source}")
        token = read_token() if args.refresh_token == "-" else args.refresh_token.strip()
    upgrade(settings.state.database_url)  # the token table must exist before anything is spent

    def store_for(realm_id: str) -> SqlTokenStore:
        return SqlTokenStore(
            settings.state.database_url, connection=settings.connection.name, provider=PROVIDER,
            account=realm_id, cipher=cipher,
        )

    if token is not None:
        import_refresh_token(settings.quickbooks, client_id, client_secret, realm_id, token, store_for)
    else:
        def show_url(url: str) -> None:
            print(f"Open this URL to authorize syncsvc:\n{url}", flush=True)
            if not args.no_browser:
                webbrowser.open(url)

        realm_id = authorize_interactively(
            settings.quickbooks, client_id, client_secret, store_for, show_url, args.timeout
        )
    print(f"Connected QuickBooks company {realm_id} (connection {settings.connection.name!r}, state database "
          f"{redacted(settings.state.database_url)}).", flush=True)
    if settings.quickbooks.realm_id and settings.quickbooks.realm_id != realm_id:
        print(f"Note: [quickbooks].realm_id in {settings.source} is {settings.quickbooks.realm_id}.", flush=True)
    return 0


def read_token() -> str:
    """`--refresh-token -`: the token from standard input, asked for (not echoed) on a terminal."""
    from syncsvc.errors import ConfigError

    if sys.stdin is None:
        raise ConfigError("--refresh-token -: there is no standard input to read the token from")
    if sys.stdin.isatty():
        import getpass

        token = getpass.getpass("QuickBooks refresh token (not shown): ")
    else:
        token = sys.stdin.readline()
    token = token.strip()
    if not token:
        raise ConfigError("--refresh-token -: standard input held no refresh token (pipe it in, or paste it when asked)")
    return token
