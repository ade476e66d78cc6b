"""Which properties QBO accepts per entity, so unknown ones fail with 2010 as they do on QBO.

The sets are QBO's documented properties plus everything python-quickbooks
0.9.12 serialises by default (it sends read-only and default-valued fields such
as FullyQualifiedName "", Level 0, TotalAmt "", LineNum 0, TxnLineId 0), plus
everything the sandbox itself returns (python-quickbooks posts a read object
back whole on save()).
"""

from __future__ import annotations

from .faults import invalid_enumeration, malformed_request, unsupported_property

COMMON = {"Id", "SyncToken", "MetaData", "domain", "sparse", "status"}

CUSTOMER = COMMON | {
    "ARAccountRef", "Active", "AlternatePhone", "Balance", "BalanceWithJobs", "BillAddr", "BillWithParent",
    "BusinessNumber", "ClientEntityId", "CompanyName", "CurrencyRef", "CustomerTypeRef", "DefaultTaxCodeRef",
    "DisplayName", "FamilyName", "Fax", "FullyQualifiedName", "GSTIN", "GSTRegistrationType", "GivenName",
    "IsProject", "Job", "Level", "MiddleName", "Mobile", "Notes", "OpenBalanceDate", "ParentRef",
    "PaymentMethodRef", "PreferredDeliveryMethod", "PrimaryEmailAddr", "PrimaryPhone", "PrimaryTaxIdentifier",
    "PrintOnCheckName", "ResaleNum", "SalesTermRef", "SecondaryTaxIdentifier", "ShipAddr", "Source", "Suffix",
    "TaxExemptionReasonId", "Taxable", "Title", "V4IDPseudonym", "WebAddr",
}

VENDOR = COMMON | {
    "APAccountRef", "AcctNum", "Active", "AlternatePhone", "Balance", "BillAddr", "BillRate", "BusinessNumber",
    "CompanyName", "CostRate", "CurrencyRef", "DisplayName", "FamilyName", "Fax", "GivenName", "MiddleName",
    "Mobile", "OtherContactInfo", "PrimaryEmailAddr", "PrimaryPhone", "PrintOnCheckName", "Source", "Suffix",
    "TaxIdentifier", "TaxReportingBasis", "TermRef", "Title", "V4IDPseudonym", "Vendor1099", "WebAddr",
}

EMPLOYEE = COMMON | {
    "Active", "BillRate", "BillableTime", "BirthDate", "CostRate", "DisplayName", "EmployeeNumber", "FamilyName",
    "Gender", "GivenName", "HiredDate", "MiddleName", "Mobile", "Organization", "PrimaryAddr", "PrimaryEmailAddr",
    "PrimaryPhone", "PrintOnCheckName", "ReleasedDate", "SSN", "Suffix", "Title", "V4IDPseudonym",
}

ITEM = COMMON | {
    "AbatementRate", "Active", "AssetAccountRef", "ClassRef", "Description", "ExpenseAccountRef",
    "FullyQualifiedName", "IncomeAccountRef", "InvStartDate", "ItemCategoryType", "Level", "Name", "ParentRef",
    "PrefVendorRef", "PurchaseCost", "PurchaseDesc", "PurchaseTaxCodeRef", "PurchaseTaxIncluded", "QtyOnHand",
    "ReorderPoint", "ReverseChargeRate", "SalesTaxCodeRef", "SalesTaxIncluded", "ServiceType", "Sku", "SubItem",
    "TaxClassificationRef", "Taxable", "TrackQtyOnHand", "Type", "UQCDisplayText", "UQCId", "UnitPrice",
}

ACCOUNT = COMMON | {
    "AccountAlias", "AccountSubType", "AccountType", "AcctNum", "Active", "Classification", "CurrencyRef",
    "CurrentBalance", "CurrentBalanceWithSubAccounts", "Description", "FullyQualifiedName", "Name", "ParentRef",
    "SubAccount", "TaxCodeRef", "TxnLocationType",
}

PAYMENT_METHOD = COMMON | {"Active", "Name", "Type"}

TAX_CODE = COMMON | {"Active", "Description", "Hidden", "Name", "PurchaseTaxRateList", "SalesTaxRateList",
                     "TaxGroup", "Taxable"}

_SALES_FORM = COMMON | {
    "ApplyTaxAfterDiscount", "Balance", "BillAddr", "BillEmail", "BillEmailBcc", "BillEmailCc", "ClassRef",
    "CurrencyRef", "CustomField", "CustomerMemo", "CustomerRef", "DeliveryInfo", "DepartmentRef",
    "DepositToAccountRef", "DocNumber", "EmailStatus", "ExchangeRate", "FreeFormAddress", "GlobalTaxCalculation",
    "HomeBalance", "HomeTotalAmt", "Line", "LinkedTxn", "PrintStatus", "PrivateNote", "ProjectRef",
    "SalesTermRef", "ShipAddr", "ShipDate", "ShipFromAddr", "ShipMethodRef", "TaxExemptionRef",
    "TotalAmt", "TrackingNum", "TransactionLocationType", "TxnDate", "TxnSource", "TxnStatus", "TxnTaxDetail",
    "RecurDataRef", "SalesRepRef",
}

INVOICE = _SALES_FORM | {
    "AllowIPNPayment", "AllowOnlineACHPayment", "AllowOnlineCreditCardPayment", "AllowOnlinePayment",
    "AutoDocNumber", "Deposit", "DueDate", "EInvoiceStatus", "InvoiceLink", "PaymentMethodRef", "PaymentRefNum",
}

SALES_RECEIPT = _SALES_FORM | {"CreditCardPayment", "PaymentMethodRef", "PaymentRefNum"}

REFUND_RECEIPT = _SALES_FORM | {"CheckPayment", "CreditCardPayment", "PaymentMethodRef", "PaymentRefNum", "PaymentType"}
CREDIT_MEMO = _SALES_FORM | {"Balance", "RemainingCredit", "InvoiceRef"}

PAYMENT = COMMON | {
    "ARAccountRef", "CreditCardPayment", "CurrencyRef", "CustomerRef", "DepositToAccountRef", "ExchangeRate",
    "Line", "PaymentMethodRef", "PaymentRefNum", "PrivateNote", "ProcessPayment", "ProjectRef", "TaxExemptionRef",
    "TotalAmt", "TransactionLocationType", "TxnDate", "TxnSource", "TxnStatus", "UnappliedAmt",
}

TOP_LEVEL = {
    "Customer": CUSTOMER, "Vendor": VENDOR, "Employee": EMPLOYEE, "Item": ITEM, "Account": ACCOUNT, "PaymentMethod": PAYMENT_METHOD, "TaxCode": TAX_CODE,
    "Invoice": INVOICE, "SalesReceipt": SALES_RECEIPT, "Payment": PAYMENT,
    "RefundReceipt": REFUND_RECEIPT, "CreditMemo": CREDIT_MEMO,
}

LINE_COMMON = {"Id", "LineNum", "Description", "Amount", "DetailType", "LinkedTxn", "CustomField", "ProjectRef"}

# DetailType -> the detail object's key(s) and the properties allowed inside it.
LINE_DETAILS = {
    "SalesItemLineDetail": ({"SalesItemLineDetail"}, {
        "ClassRef", "DiscountAmt", "DiscountRate", "ItemAccountRef", "ItemRef", "MarkupInfo", "PriceLevelRef",
        "Qty", "ServiceDate", "TaxClassificationRef", "TaxCodeRef", "TaxInclusiveAmt", "UnitPrice",
    }),
    # python-quickbooks spells the attribute SubtotalLineDetail; QBO spells it SubTotalLineDetail.
    "SubTotalLineDetail": ({"SubTotalLineDetail", "SubtotalLineDetail"}, {"ItemRef"}),
    "DiscountLineDetail": ({"DiscountLineDetail"}, {
        "ClassRef", "Discount", "DiscountAccountRef", "DiscountPercent", "PercentBased", "TaxCodeRef",
    }),
    "DescriptionOnly": ({"DescriptionLineDetail"}, {"ServiceDate", "TaxCodeRef"}),
}

PAYMENT_LINE = {"Amount", "LinkedTxn", "LineEx", "Id", "LineNum"}
LINKED_TXN = {"TxnId", "TxnLineId", "TxnType"}
REF = {"value", "name", "type"}


def check_known(entity: str, body: dict) -> None:
    """Raise 2010 for a property QBO does not know on `entity` or its lines."""
    if not isinstance(body, dict):
        raise malformed_request(f"Request body for {entity} must be a JSON object")
    allowed = TOP_LEVEL[entity]
    for key in body:
        if key not in allowed:
            raise unsupported_property(entity, key)
    lines = body.get("Line")
    if lines is None:
        return
    if not isinstance(lines, list):
        raise malformed_request("Property Name:Line must be an array")
    for line in lines:
        if not isinstance(line, dict):
            raise malformed_request("Property Name:Line items must be objects")
        if entity == "Payment":
            _check_keys("Line", line, PAYMENT_LINE)
        else:
            _check_sales_line(line)
        for linked in line.get("LinkedTxn") or []:
            _check_keys("LinkedTxn", linked, LINKED_TXN)


def _check_sales_line(line: dict) -> None:
    detail_type = line.get("DetailType")
    if detail_type in (None, ""):
        return  # reported as missing by the entity rules
    if detail_type not in LINE_DETAILS:
        if detail_type == "GroupLineDetail":
            raise invalid_enumeration(f"{detail_type} (group lines are not supported by the sandbox)")
        raise invalid_enumeration(str(detail_type))
    detail_keys, inner = LINE_DETAILS[detail_type]
    _check_keys("Line", line, LINE_COMMON | detail_keys)
    for key in detail_keys & line.keys():
        detail = line[key]
        if detail is None:
            continue
        _check_keys(key, detail, inner)
        for ref_key in [k for k in detail if k.endswith("Ref")]:
            if isinstance(detail[ref_key], dict):
                _check_keys(ref_key, detail[ref_key], REF)


def _check_keys(where: str, obj, allowed: set[str]) -> None:
    if not isinstance(obj, dict):
        raise malformed_request(f"Property Name:{where} must be an object")
    for key in obj:
        if key not in allowed:
            raise unsupported_property(where, key)
