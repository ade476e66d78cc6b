"""Name-list entities: Customer, Vendor, Employee, Item, Account, PaymentMethod (unique names, no delete).

As on QBO: a DisplayName is unique across customers, vendors and employees
together (6240), and inactive records keep their names; the name fields of
customers, vendors and employees and an item's Name must not contain a colon
(QBO's sub-item and sub-customer separator), a tab or a newline; a customer's
PrimaryEmailAddr must contain an '@' and a '.'. The fault code QBO uses for a
bad character or email is not documented; the sandbox answers 6000 (business
validation), which the client treats like any validation fault.
"""

from __future__ import annotations

from decimal import Decimal

from .company import USD
from .faults import business_validation, duplicate_name, invalid_enumeration, malformed_request, required_missing
from .rules import (SERVER_OWNED, WriteContext, amount, check_length, is_empty, metadata, present,
                    resolve_ref)
from .schema import TOP_LEVEL

NAME_PARTS = ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")
NAME_LIMITS = {"DisplayName": 500, "Title": 16, "GivenName": 100, "MiddleName": 100, "FamilyName": 100,
               "Suffix": 16, "CompanyName": 100, "PrintOnCheckName": 110, "Notes": 2000}
ITEM_TYPES = {"Service", "NonInventory", "Inventory"}
ACCOUNT_CLASSIFICATION = {
    "Bank": "Asset", "Other Current Asset": "Asset", "Fixed Asset": "Asset", "Other Asset": "Asset",
    "Accounts Receivable": "Asset", "Equity": "Equity", "Expense": "Expense", "Other Expense": "Expense",
    "Cost of Goods Sold": "Expense", "Accounts Payable": "Liability", "Credit Card": "Liability",
    "Long Term Liability": "Liability", "Other Current Liability": "Liability", "Income": "Revenue",
    "Other Income": "Revenue",
}
# AccountSubType (the "detail type") allowed per AccountType, for the types a sales sync posts to, with the
# default QBO gives an account created without one (QBO's AccountSubType enumeration; other types take any).
ACCOUNT_SUB_TYPES = {
    "Income": ("OtherPrimaryIncome", {"SalesOfProductIncome", "ServiceFeeIncome", "DiscountsRefundsGiven",
                                      "OtherPrimaryIncome", "NonProfitIncome", "UnappliedCashPaymentIncome"}),
    "Other Income": ("OtherMiscellaneousIncome", {"DividendIncome", "InterestEarned", "OtherInvestmentIncome",
                                                  "OtherMiscellaneousIncome", "TaxExemptInterest",
                                                  "GainLossOnSaleOfFixedAssets", "GainLossOnSaleOfInvestments",
                                                  "LossOnDisposalOfAssets", "UnrealisedLossOnSecurities"}),
    "Other Current Liability": ("OtherCurrentLiabilities", {
        "DirectDepositPayable", "LineOfCredit", "LoanPayable", "GlobalTaxPayable", "GlobalTaxSuspense",
        "OtherCurrentLiabilities", "PayrollClearing", "PayrollTaxPayable", "PrepaidExpensesPayable",
        "RentsInTrustLiability", "TrustAccountsLiabilities", "FederalIncomeTaxPayable", "InsurancePayable",
        "SalesTaxPayable", "StateLocalIncomeTaxPayable", "CurrentTaxLiability"}),
}
# Accounts no item can post its sales to: QBO keeps A/R and A/P for its own postings (an invoice debits A/R,
# a bill credits A/P), and an Inventory item's income account must be an income account. A Service or
# NonInventory item may post to any other account, a liability included (QBO's own way of booking gift
# certificates, deposits and sales tax collected on a line).
ITEM_FORBIDDEN_ACCOUNT_TYPES = {"Accounts Receivable", "Accounts Payable"}
PAYMENT_METHOD_TYPES = {"CREDIT_CARD", "NON_CREDIT_CARD"}
# DisplayName is unique across these three (QBO: "must be unique across all other customer, employee, and vendor
# objects"); the word is what the 6240 says holds the name.
PEOPLE = {"Customer": "customer", "Vendor": "vendor", "Employee": "employee"}
PERSON_NAME_FIELDS = ("DisplayName", "Title", "GivenName", "MiddleName", "FamilyName", "Suffix", "PrintOnCheckName")
FORBIDDEN_IN_NAMES = {":": "a colon (:)", "\t": "a tab", "\n": "a newline", "\r": "a newline"}
# QBO keeps up to 7 decimal places of a unit price (what it does beyond 7 is not documented: refused here).
UNIT_PRICE_PLACES = 7


def clean(value):
    """Drop python-quickbooks' empty defaults from nested objects (refs, addresses, emails)."""
    if isinstance(value, dict):
        cleaned = {k: clean(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if not is_empty(v)}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def passthrough(entity: str, data: dict, handled: set[str]) -> dict:
    """Writable properties the sandbox stores as sent (minus empty defaults)."""
    out = {}
    for key in sorted(TOP_LEVEL[entity] - SERVER_OWNED - handled):
        value = clean(data.get(key))
        if not is_empty(value):
            out[key] = value
    return out


def _address(ctx: WriteContext, value) -> dict | None:
    address = clean(value)
    if is_empty(address) or set(address) <= {"Id"}:
        return None
    if "Id" not in address:
        address = {"Id": ctx.company.new_id("PhysicalAddress"), **address}
    return address


def _boolean(data: dict, key: str, default: bool) -> bool:
    value = data.get(key)
    return default if value is None or value == "" else bool(value)


def _unique(ctx: WriteContext, entity: str, field: str, name: str, current: dict | None, what: str) -> None:
    clash = ctx.company.find_by_name(entity, name, field)
    if clash is not None and (current is None or clash["Id"] != current["Id"]):
        raise duplicate_name(what)


def _unique_name(ctx: WriteContext, entity: str, data: dict, max_length: int, current: dict | None, what: str) -> str:
    """The required, length-checked Name of an Item, Account or PaymentMethod, unique among its kind."""
    name = present(data, "Name")
    if name is None:
        raise required_missing("Name")
    check_length("Name", name, max_length)
    _unique(ctx, entity, "Name", name, current, what)
    return name


def check_name_characters(prop: str, value) -> None:
    """QBO refuses ':' (its sub-item/sub-customer separator), tab and newline in names."""
    if not isinstance(value, str):
        return
    for char, described in FORBIDDEN_IN_NAMES.items():
        if char in value:
            raise business_validation(f"{prop} can't contain {described}. Supplied value:{value!r}")


def unit_price(data: dict, key: str, prop: str, default: Decimal | None = None) -> Decimal | None:
    value = amount(data, key, prop, default=default)
    if value is not None and -value.normalize().as_tuple().exponent > UNIT_PRICE_PLACES:
        raise malformed_request(f"Property Name:{prop} has more than {UNIT_PRICE_PLACES} decimal places "
                                f"(supplied {format(value, 'f')})")
    return value


def _check_email(data: dict) -> None:
    email = clean(data.get("PrimaryEmailAddr"))
    address = email.get("Address") if isinstance(email, dict) else None
    if is_empty(address):
        return
    check_length("PrimaryEmailAddr.Address", str(address), 100)
    if "@" not in str(address) or "." not in str(address):
        raise business_validation(f"Invalid email address format: an email address must contain an at sign (@) "
                                  f"and a dot (.). Supplied value:{address}")


def _display_name(ctx: WriteContext, entity: str, data: dict, current: dict | None) -> str:
    """The DisplayName of a customer, vendor or employee (given, or made of its name parts), checked for
    characters and length and unique across all three kinds, inactive ones included."""
    for key, limit in NAME_LIMITS.items():
        check_length(key, present(data, key), limit)
    for key in PERSON_NAME_FIELDS:
        check_name_characters(key, present(data, key))
    display = present(data, "DisplayName")
    if display is None:
        parts = [present(data, k) for k in NAME_PARTS if present(data, k)]
        if not parts:
            raise required_missing("DisplayName")
        display = " ".join(parts)
        check_length("DisplayName", display, NAME_LIMITS["DisplayName"])
    for other, what in PEOPLE.items():
        _unique(ctx, other, "DisplayName", display, current if other == entity else None, what)
    return display


def build_customer(ctx: WriteContext, data: dict, current: dict | None, record_id: str) -> dict:
    display = _display_name(ctx, "Customer", data, current)
    _check_email(data)
    handled = {"DisplayName", "PrintOnCheckName", "Active", "Taxable", "BillAddr", "ShipAddr", "Job",
               "BillWithParent", "IsProject", "CurrencyRef", "PreferredDeliveryMethod", "PaymentMethodRef"}
    record = {
        "Taxable": _boolean(data, "Taxable", True),
        "BillAddr": _address(ctx, data.get("BillAddr")),
        "ShipAddr": _address(ctx, data.get("ShipAddr")),
        "Job": False, "BillWithParent": _boolean(data, "BillWithParent", False),
        "Balance": current.get("Balance", Decimal(0)) if current else Decimal(0),
        "BalanceWithJobs": current.get("BalanceWithJobs", Decimal(0)) if current else Decimal(0),
        "CurrencyRef": dict(USD),
        "PreferredDeliveryMethod": present(data, "PreferredDeliveryMethod") or "Print",
        "PaymentMethodRef": resolve_ref(ctx, "PaymentMethod", data.get("PaymentMethodRef"), "PaymentMethodRef"),
        "IsProject": False,
        "domain": "QBO", "sparse": False, "Id": record_id,
        "MetaData": metadata(ctx, current),
        **passthrough("Customer", data, handled),
        "FullyQualifiedName": display, "DisplayName": display,
        "PrintOnCheckName": present(data, "PrintOnCheckName") or display,
        "Active": _boolean(data, "Active", True),
    }
    return {k: v for k, v in record.items() if v is not None}


def build_item(ctx: WriteContext, data: dict, current: dict | None, record_id: str) -> dict:
    check_length("Description", present(data, "Description"), 4000)
    check_name_characters("Name", present(data, "Name"))
    name = _unique_name(ctx, "Item", data, 100, current, "product or service")
    item_type = present(data, "Type") or "Service"
    if item_type not in ITEM_TYPES:
        raise invalid_enumeration(str(item_type))
    income = resolve_ref(ctx, "Account", data.get("IncomeAccountRef"), "IncomeAccountRef", required=True)
    _check_income_account(ctx, income, item_type)
    record = {
        "Name": name,
        "Description": present(data, "Description"),
        "Active": _boolean(data, "Active", True),
        "FullyQualifiedName": name,
        "Taxable": _boolean(data, "Taxable", False),
        "UnitPrice": unit_price(data, "UnitPrice", "UnitPrice", default=Decimal(0)),
        "Type": item_type,
        "IncomeAccountRef": income,
        "PurchaseDesc": present(data, "PurchaseDesc"),
        "PurchaseCost": amount(data, "PurchaseCost", "PurchaseCost", default=Decimal(0)),
        "TrackQtyOnHand": _boolean(data, "TrackQtyOnHand", False),
        "Sku": present(data, "Sku"),
        "domain": "QBO", "sparse": False, "Id": record_id, "MetaData": metadata(ctx, current),
    }
    if item_type == "Inventory":
        record["AssetAccountRef"] = resolve_ref(ctx, "Account", data.get("AssetAccountRef"), "AssetAccountRef",
                                                required=True)
        record["ExpenseAccountRef"] = resolve_ref(ctx, "Account", data.get("ExpenseAccountRef"),
                                                  "ExpenseAccountRef", required=True)
        if not record["TrackQtyOnHand"]:
            raise required_missing("TrackQtyOnHand")
        record["QtyOnHand"] = amount(data, "QtyOnHand", "QtyOnHand", required=True)
        if present(data, "InvStartDate") is None:
            raise required_missing("InvStartDate")
        record["InvStartDate"] = data["InvStartDate"]
    elif present(data, "ExpenseAccountRef") is not None:
        record["ExpenseAccountRef"] = resolve_ref(ctx, "Account", data["ExpenseAccountRef"], "ExpenseAccountRef")
    return {k: v for k, v in record.items() if v is not None}


def _check_income_account(ctx: WriteContext, income: dict, item_type: str) -> None:
    account = ctx.company.get("Account", income["value"])
    account_type = account.get("AccountType")
    if account_type in ITEM_FORBIDDEN_ACCOUNT_TYPES or (
            item_type == "Inventory" and account.get("Classification") != "Revenue"):
        raise business_validation(f"IncomeAccountRef: an item of type {item_type} can't post to account "
                                  f"{account.get('Name')!r} of type {account_type}")


def build_account(ctx: WriteContext, data: dict, current: dict | None, record_id: str) -> dict:
    check_name_characters("Name", present(data, "Name"))
    if '"' in str(present(data, "Name") or ""):
        raise business_validation(f"Name can't contain a double quote (\"). Supplied value:{data['Name']!r}")
    name = _unique_name(ctx, "Account", data, 100, current, "account")
    account_type = present(data, "AccountType")
    if account_type is None:
        raise required_missing("AccountType")
    if account_type not in ACCOUNT_CLASSIFICATION:
        raise invalid_enumeration(str(account_type))
    sub_type = present(data, "AccountSubType")
    if account_type in ACCOUNT_SUB_TYPES:
        default_sub_type, allowed = ACCOUNT_SUB_TYPES[account_type]
        sub_type = sub_type or default_sub_type
        if sub_type not in allowed:
            raise invalid_enumeration(str(sub_type))
    record = {
        "Name": name, "SubAccount": False, "FullyQualifiedName": name, "Active": _boolean(data, "Active", True),
        "Classification": ACCOUNT_CLASSIFICATION[account_type], "AccountType": account_type,
        "AccountSubType": sub_type, "AcctNum": present(data, "AcctNum"),
        "Description": present(data, "Description"),
        "CurrentBalance": Decimal(0), "CurrentBalanceWithSubAccounts": Decimal(0), "CurrencyRef": dict(USD),
        "domain": "QBO", "sparse": False, "Id": record_id, "MetaData": metadata(ctx, current),
    }
    return {k: v for k, v in record.items() if v is not None}


def build_payment_method(ctx: WriteContext, data: dict, current: dict | None, record_id: str) -> dict:
    name = _unique_name(ctx, "PaymentMethod", data, 31, current, "payment method")
    method_type = present(data, "Type") or "NON_CREDIT_CARD"
    if method_type not in PAYMENT_METHOD_TYPES:
        raise invalid_enumeration(str(method_type))
    return {"Name": name, "Active": _boolean(data, "Active", True), "Type": method_type, "domain": "QBO",
            "sparse": False, "Id": record_id, "MetaData": metadata(ctx, current)}


def build_vendor(ctx: WriteContext, data: dict, current: dict | None, record_id: str) -> dict:
    """Enough of a Vendor for names: it holds a DisplayName (shared with customers and employees) and can be
    made inactive; other writable properties are stored as sent."""
    display = _display_name(ctx, "Vendor", data, current)
    handled = {"DisplayName", "PrintOnCheckName", "Active", "BillAddr", "CurrencyRef", "Balance", "Vendor1099"}
    record = {
        "Balance": current.get("Balance", Decimal(0)) if current else Decimal(0),
        "Vendor1099": _boolean(data, "Vendor1099", False),
        "CurrencyRef": dict(USD),
        "BillAddr": _address(ctx, data.get("BillAddr")),
        "domain": "QBO", "sparse": False, "Id": record_id, "MetaData": metadata(ctx, current),
        **passthrough("Vendor", data, handled),
        "DisplayName": display,
        "PrintOnCheckName": present(data, "PrintOnCheckName") or display,
        "Active": _boolean(data, "Active", True),
    }
    return {k: v for k, v in record.items() if v is not None}


def build_employee(ctx: WriteContext, data: dict, current: dict | None, record_id: str) -> dict:
    """Enough of an Employee for names (see build_vendor)."""
    display = _display_name(ctx, "Employee", data, current)
    handled = {"DisplayName", "PrintOnCheckName", "Active", "PrimaryAddr", "BillableTime", "Organization"}
    record = {
        "BillableTime": _boolean(data, "BillableTime", False),
        "Organization": _boolean(data, "Organization", False),
        "PrimaryAddr": _address(ctx, data.get("PrimaryAddr")),
        "domain": "QBO", "sparse": False, "Id": record_id, "MetaData": metadata(ctx, current),
        **passthrough("Employee", data, handled),
        "DisplayName": display,
        "PrintOnCheckName": present(data, "PrintOnCheckName") or display,
        "Active": _boolean(data, "Active", True),
    }
    return {k: v for k, v in record.items() if v is not None}
