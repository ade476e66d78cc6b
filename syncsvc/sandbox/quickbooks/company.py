"""One QBO company (realm): its entities as QBO returns them, counters, and seed data."""

from __future__ import annotations

import threading
from collections import defaultdict
from decimal import Decimal

from .wire import meta_time

USD = {"value": "USD", "name": "United States Dollar"}

# (Name, AccountType, AccountSubType, Classification): the accounts a fresh QBO company has that a sync needs.
SEED_ACCOUNTS = [
    ("Services", "Income", "ServiceFeeIncome", "Revenue"),
    ("Sales of Product Income", "Income", "SalesOfProductIncome", "Revenue"),
    ("Checking", "Bank", "Checking", "Asset"),
    ("Undeposited Funds", "Other Current Asset", "UndepositedFunds", "Asset"),
    ("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable", "Asset"),
    ("Discounts given", "Income", "DiscountsRefundsGiven", "Revenue"),
    ("Shipping Income", "Income", "OtherPrimaryIncome", "Revenue"),
    ("Inventory Asset", "Other Current Asset", "Inventory", "Asset"),
    ("Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs", "Expense"),
    ("Uncategorized Income", "Income", "ServiceFeeIncome", "Revenue"),
]
SEED_PAYMENT_METHODS = [
    ("Cash", "NON_CREDIT_CARD"), ("Check", "NON_CREDIT_CARD"), ("Visa", "CREDIT_CARD"),
    ("MasterCard", "CREDIT_CARD"), ("American Express", "CREDIT_CARD"), ("Discover", "CREDIT_CARD"),
    ("Diners Club", "CREDIT_CARD"),
]
SEED_ITEMS = ["Services", "Hours"]

# Fields looked up by value on every write (name uniqueness, DocNumber clashes, customer balances) and by the
# sync's bulk reads (`=` or `IN` queries: query.candidates); indexed so a company of 100,000 invoices answers
# them without scanning. Keys are casefolded: callers compare exactly.
INDEXED_FIELDS = ("Name", "DisplayName", "DocNumber", "CustomerRef", "PaymentRefNum", "PrimaryEmailAddr",
                  "FamilyName", "CompanyName")


class Company:
    """Everything one realm holds. Callers hold `lock` around any read-modify-write."""

    def __init__(self, realm_id: str, name: str, now: float) -> None:
        self.realm_id = realm_id
        self.name = name
        self.lock = threading.RLock()
        self.records: dict[str, dict[str, dict]] = defaultdict(dict)
        self.deleted: dict[str, set[str]] = defaultdict(set)
        self._next_id: dict[str, int] = defaultdict(lambda: 1)
        self._next_doc_number: dict[str, int] = defaultdict(lambda: 1001)
        self._next_line_id: dict[tuple[str, str], int] = defaultdict(lambda: 1)
        # invoice id -> payment id -> amount that payment applies to it, and payment id -> those invoice ids
        self.applications: dict[str, dict[str, Decimal]] = defaultdict(dict)
        self.applied_by: dict[str, set[str]] = defaultdict(set)
        # Credit memos applied by payments: credit memo id -> {payment id: amount}, and back.
        self.credit_applications: dict[str, dict[str, Decimal]] = defaultdict(dict)
        self.credit_applied_by: dict[str, set[str]] = defaultdict(set)
        # (entity, field) -> casefolded value -> ids of the records holding it
        self._index: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        # requestid -> (status, body bytes, content type) of the first answer
        self.replies: dict[str, tuple[int, bytes, str]] = {}
        self.created = now
        self._seed(now)

    # ids and numbers -------------------------------------------------------

    def new_id(self, entity: str) -> str:
        value = self._next_id[entity]
        self._next_id[entity] = value + 1
        return str(value)

    def new_line_id(self, entity: str, record_id: str) -> str:
        key = (entity, record_id)
        value = self._next_line_id[key]
        self._next_line_id[key] = value + 1
        return str(value)

    def next_doc_number(self, entity: str) -> str:
        """The next free autonumber for `entity`, skipping numbers users typed in."""
        while True:
            value = str(self._next_doc_number[entity])
            self._next_doc_number[entity] += 1
            if not any(r.get("DocNumber") == value for r in self.having(entity, "DocNumber", value)):
                return value

    # records --------------------------------------------------------------

    def get(self, entity: str, record_id) -> dict | None:
        return self.records[entity].get(str(record_id))

    def put(self, entity: str, record: dict) -> None:
        previous = self.records[entity].get(record["Id"])
        if previous is not None:
            self._unindex(entity, previous)
        self.records[entity][record["Id"]] = record
        for field in INDEXED_FIELDS:
            key = _index_key(record, field)
            if key is not None:
                self._index[entity, field][key].add(record["Id"])

    def remove(self, entity: str, record_id: str) -> None:
        previous = self.records[entity].pop(record_id, None)
        if previous is not None:
            self._unindex(entity, previous)
        self.deleted[entity].add(record_id)

    def having(self, entity: str, field: str, value) -> list[dict]:
        """Records of `entity` whose `field` (a ref's value for refs) equals `value`, ignoring case."""
        key = _index_key({field: value}, field)
        ids = self._index[entity, field].get(key, ()) if key is not None else ()
        return [self.records[entity][record_id] for record_id in sorted(ids, key=_id_key)]

    def having_any(self, entity: str, field: str, values) -> list[dict]:
        """Records of `entity` whose `field` equals one of `values` as `having` compares, in Id order."""
        index = self._index.get((entity, field), {})
        ids = set()
        for value in values:
            key = _index_key({field: value}, field)
            ids.update(index.get(key, ()) if key is not None else ())
        return [self.records[entity][record_id] for record_id in sorted(ids, key=_id_key)]

    def _unindex(self, entity: str, record: dict) -> None:
        for field in INDEXED_FIELDS:
            key = _index_key(record, field)
            ids = self._index[entity, field].get(key) if key is not None else None
            if ids is not None:
                ids.discard(record["Id"])
                if not ids:
                    del self._index[entity, field][key]

    def all(self, entity: str) -> list[dict]:
        return sorted(self.records[entity].values(), key=_id_order)

    # seed -----------------------------------------------------------------

    def _seed(self, now: float) -> None:
        meta = {"CreateTime": meta_time(now), "LastUpdatedTime": meta_time(now)}
        for name, acct_type, sub_type, classification in SEED_ACCOUNTS:
            record_id = self.new_id("Account")
            self.put("Account", {
                "Name": name, "SubAccount": False, "FullyQualifiedName": name, "Active": True,
                "Classification": classification, "AccountType": acct_type, "AccountSubType": sub_type,
                "CurrentBalance": Decimal(0), "CurrentBalanceWithSubAccounts": Decimal(0), "CurrencyRef": dict(USD),
                "domain": "QBO", "sparse": False, "Id": record_id, "SyncToken": "0", "MetaData": dict(meta),
            })
        for name, method_type in SEED_PAYMENT_METHODS:
            record_id = self.new_id("PaymentMethod")
            self.put("PaymentMethod", {"Name": name, "Active": True, "Type": method_type, "domain": "QBO",
                                       "sparse": False, "Id": record_id, "SyncToken": "0", "MetaData": dict(meta)})
        for code, name, taxable in (("TAX", "TAX", True), ("NON", "NON", False)):
            self.put("TaxCode", {
                "Name": name, "Description": "TAX" if taxable else "Non-Taxable", "Active": True, "Hidden": False,
                "Taxable": taxable, "TaxGroup": False, "domain": "QBO", "sparse": False, "Id": code,
                "SyncToken": "0", "MetaData": dict(meta),
            })
        services = self.find_by_name("Account", "Services")
        for name in SEED_ITEMS:
            record_id = self.new_id("Item")
            self.put("Item", {
                "Name": name, "Active": True, "FullyQualifiedName": name, "Taxable": False,
                "UnitPrice": Decimal(0), "Type": "Service",
                "IncomeAccountRef": {"value": services["Id"], "name": services["Name"]},
                "PurchaseCost": Decimal(0), "TrackQtyOnHand": False, "domain": "QBO", "sparse": False,
                "Id": record_id, "SyncToken": "0", "MetaData": dict(meta),
            })
        self.records["CompanyInfo"]["1"] = {
            "CompanyName": self.name, "LegalName": self.name,
            "CompanyAddr": {"Id": "1", "Line1": "123 Sierra Way", "City": "San Pablo",
                            "CountrySubDivisionCode": "CA", "PostalCode": "87999"},
            "Country": "US", "FiscalYearStartMonth": "January", "SupportedLanguages": "en",
            "NameValue": [{"Name": "NeoEnabled", "Value": "true"}, {"Name": "IsQbdtMigrated", "Value": "false"}],
            "domain": "QBO", "sparse": False, "Id": "1", "SyncToken": "0", "MetaData": dict(meta),
        }
        self.records["Preferences"]["1"] = {
            "SalesFormsPrefs": {"AllowShipping": True, "AllowDiscount": True, "AllowDeposit": True,
                                "CustomTxnNumbers": False, "DefaultTerms": {"value": "3"},
                                "ETransactionEnabledStatus": "NotApplicable"},
            "CurrencyPrefs": {"MultiCurrencyEnabled": False, "HomeCurrency": {"value": "USD"}},
            "TaxPrefs": {"UsingSalesTax": False, "PartnerTaxEnabled": False},
            "OtherPrefs": {"NameValue": [{"Name": "SalesFormsPrefs.DefaultItem", "Value": "1"}]},
            "domain": "QBO", "sparse": False, "Id": "1", "SyncToken": "0", "MetaData": dict(meta),
        }

    def find_by_name(self, entity: str, name: str, field: str = "Name") -> dict | None:
        found = self.having(entity, field, name)
        return found[0] if found else None


def _index_key(record: dict, field: str) -> str | None:
    value = record.get(field)
    if isinstance(value, dict):  # a Ref by its id, an email by its address (as a query compares them)
        value = value.get("value", value.get("Address"))
    return None if value is None else str(value).casefold()


def _id_key(record_id: str):
    return (0, int(record_id), "") if str(record_id).isdigit() else (1, 0, str(record_id))


def _id_order(record: dict):
    return _id_key(record.get("Id", ""))
