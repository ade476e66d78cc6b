"""QuickBooksSandbox: the public face of the QBO sandbox (start it, make companies, steer it, inspect it)."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Callable

from syncsvc.sandbox.httpserver import LoopbackServer, ServedSandbox

from .limits import Options
from .oauth import AUTHORIZE_PATH, CLIENT_ID, CLIENT_SECRET, DISCOVERY_PATH, REVOKE_PATH, TOKEN_PATH
from .server import QuickBooksApp
from .wire import dumps, loads, parse_date


# totals_by_account's key for the tax in documents' TxnTaxDetail (QBO's own sales tax, tax_mode "txn_tax_detail").
TAX_DETAIL_KEY = "TxnTaxDetail.TotalTax"
SALES_ENTITIES = ("Invoice", "SalesReceipt", "CreditMemo", "RefundReceipt")


class QuickBooksSandbox(ServedSandbox):
    """A loopback QBO v3 API + Intuit OAuth server.

    `clock` returns epoch seconds (default time.time); it drives token expiry,
    MetaData times, default TxnDates and the throttling window.
    """

    CLIENT_ID = CLIENT_ID
    CLIENT_SECRET = CLIENT_SECRET

    def __init__(self, requests_per_minute: int = 500, window_seconds: float = 60.0, max_in_flight: int = 10,
                 latency: float = 0.0, requestid_replay: bool = True, access_token_ttl: int = 3600,
                 clock: Callable[[], float] | None = None, port: int = 0, *,
                 batch_requests_per_minute: int = 40, batch_item_latency: float = 0.0,
                 retry_after: int | None = None) -> None:
        """QBO's real limits by default (500 requests and 40 batch requests per window, 10 in flight). Every
        Options field can also be changed later, for all companies or one: `configure(realm, latency=0.3)`."""
        defaults = Options(requests_per_minute=requests_per_minute, window_seconds=window_seconds,
                           max_in_flight=max_in_flight, latency=latency, requestid_replay=requestid_replay,
                           access_token_ttl=access_token_ttl, batch_requests_per_minute=batch_requests_per_minute,
                           batch_item_latency=batch_item_latency, retry_after=retry_after)
        self._app = QuickBooksApp(defaults, clock or time.time)
        self._server = LoopbackServer(self._app, port=port)
        self._app.base_url = self._server.url

    # lifecycle ------------------------------------------------------------


    @property
    def api_base_url(self) -> str:
        return self.url + "/v3"

    @property
    def discovery_url(self) -> str:
        return self.url + DISCOVERY_PATH

    @property
    def token_url(self) -> str:
        return self.url + TOKEN_PATH

    @property
    def authorize_url(self) -> str:
        return self.url + AUTHORIZE_PATH

    @property
    def revoke_url(self) -> str:
        return self.url + REVOKE_PATH

    # companies and tokens -----------------------------------------------------

    def create_company(self, name: str = "Sandbox Company", realm_id: str | None = None) -> str:
        return self._app.add_company(name, realm_id)

    def issue_tokens(self, realm: str, client_id: str = CLIENT_ID) -> dict:
        self._app.company(realm)
        return self._app.oauth.issue(realm, client_id, self._app.options(realm).access_token_ttl)

    def expire_access_tokens(self, realm: str) -> None:
        self._app.oauth.expire_access_tokens(realm)

    def revoke_refresh_tokens(self, realm: str) -> None:
        self._app.oauth.revoke_refresh_tokens(realm)

    # behaviour ------------------------------------------------------------------

    def configure(self, realm: str | None = None, **options) -> None:
        """Change options for one company, or the defaults (and every company without its own) when realm is None."""
        self._app.configure(realm, options)

    def options(self, realm: str | None = None) -> Options:
        """The options in force for `realm` (the defaults when None)."""
        if realm is None:
            return self._app.defaults
        self._app.company(realm)
        return self._app.options(realm)

    def inject(self, realm: str, kind: str, count: int = 1, entity: str | None = None,
               writes_only: bool = False) -> None:
        """Make the next `count` API requests of `realm` (for `entity` only, if given; only writes, not
        queries or reads, if `writes_only`) fail as `kind`."""
        self._app.company(realm)
        self._app.limits[realm].inject(kind, count, entity, writes_only)

    # inspection ----------------------------------------------------------------

    def entities(self, realm: str, entity: str) -> list[dict]:
        """Every stored `entity` of the company, exactly as the API would return it (amounts as Decimal)."""
        company = self._app.company(realm)
        with company.lock:
            return loads(dumps(company.all(entity)))

    def get(self, realm: str, entity: str, record_id: str) -> dict | None:
        company = self._app.company(realm)
        with company.lock:
            record = company.get(entity, record_id)
            return None if record is None else loads(dumps(record))

    def totals_by_day(self, realm: str, entity: str) -> dict[date, Decimal]:
        """Sum of TotalAmt per TxnDate (voided documents count 0, deleted ones not at all)."""
        totals: dict[date, Decimal] = defaultdict(Decimal)
        for record in self.entities(realm, entity):
            totals[parse_date(record["TxnDate"])] += Decimal(record["TotalAmt"])
        return dict(totals)

    def totals_by_account(self, realm: str, entities: tuple[str, ...] = SALES_ENTITIES) -> dict[str, Decimal]:
        """What the company's sales forms credit to each account, by account name, as QBO's P&L and
        balance sheet would read them: each sales line to its item's income account (a negative line, a
        debit), each DiscountLineDetail as a debit to its DiscountAccountRef, TxnTaxDetail.TotalTax under
        TAX_DETAIL_KEY (QBO books it on its sales tax agency's liability). Invoices and sales receipts
        count positive, credit memos and refund receipts negative; voided documents count 0. `entities`
        narrows it to some of those document types."""
        totals: dict[str, Decimal] = defaultdict(Decimal)
        company = self._app.company(realm)
        with company.lock:
            accounts = {a["Id"]: a["Name"] for a in company.all("Account")}
            items = {i["Id"]: i for i in company.all("Item")}
            for entity in entities:
                sign = -1 if entity in ("CreditMemo", "RefundReceipt") else 1
                for record in company.all(entity):
                    for line in record.get("Line", []):
                        value = Decimal(line.get("Amount") or 0) * sign
                        if line.get("DetailType") == "SalesItemLineDetail":
                            item_id = line["SalesItemLineDetail"]["ItemRef"]["value"]
                            item = items.get(item_id)
                            account = item["IncomeAccountRef"]["value"] if item else item_id
                            totals[accounts.get(account, account)] += value
                        elif line.get("DetailType") == "DiscountLineDetail":
                            account = line["DiscountLineDetail"]["DiscountAccountRef"]["value"]
                            totals[accounts.get(account, account)] -= value
                    tax = Decimal((record.get("TxnTaxDetail") or {}).get("TotalTax") or 0) * sign
                    if tax:
                        totals[TAX_DETAIL_KEY] += tax
        return {name: value for name, value in totals.items() if value}

    def traffic(self, realm: str) -> dict:
        """What the company's throttles let through and refused since it was created: {"requests": n,
        "batches": n (among the requests), "throttled": 429s the limits answered, "throttled_by": {"requests",
        "batches", "in_flight": 429s by the limit that refused}, "peak_in_flight": the most requests answered at
        once}. Injected faults are not counted."""
        self._app.company(realm)
        return self._app.limits[realm].traffic()

    def counts(self, realm: str) -> dict[str, int]:
        """How many records of each entity type the company holds."""
        company = self._app.company(realm)
        with company.lock:
            return {entity: len(records) for entity, records in company.records.items() if records}

    def realms(self) -> list[str]:
        return list(self._app.companies)
