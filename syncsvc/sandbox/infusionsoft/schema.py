"""The tables the sandbox serves: real Infusionsoft field names and their wire types.

Type codes: "i" int (<i4>), "d" double (money, held as Decimal), "s" string,
"t" dateTime (naive, account zone). Field lists follow the notes §2 (the
novaksolutions field-access file and generated tables, EventDay's typed tables).
"""

from __future__ import annotations

INT, DOUBLE, STRING, DATETIME = "i", "d", "s", "t"

_SHIP = {f: STRING for f in (
    "ShipFirstName", "ShipMiddleName", "ShipLastName", "ShipCompany", "ShipPhone",
    "ShipStreet1", "ShipStreet2", "ShipCity", "ShipState", "ShipZip", "ShipCountry",
)}

TABLES: dict[str, dict[str, str]] = {
    "Job": {
        "Id": INT, "JobTitle": STRING, "ContactId": INT, "StartDate": DATETIME, "DueDate": DATETIME,
        "JobNotes": STRING, "ProductId": INT, "JobRecurringId": INT, "JobStatus": STRING,
        "DateCreated": DATETIME, "OrderType": STRING, "OrderStatus": INT, **_SHIP, "LastUpdated": DATETIME,
    },
    "Invoice": {
        "Id": INT, "ContactId": INT, "JobId": INT, "DateCreated": DATETIME, "InvoiceTotal": DOUBLE,
        "TotalPaid": DOUBLE, "TotalDue": DOUBLE, "PayStatus": INT, "CreditStatus": INT, "RefundStatus": INT,
        "PayPlanStatus": INT, "AffiliateId": INT, "LeadAffiliateId": INT, "PromoCode": STRING,
        "InvoiceType": STRING, "Description": STRING, "ProductSold": STRING, "Synced": INT,
        "LastUpdated": DATETIME,
    },
    "InvoiceItem": {
        "Id": INT, "InvoiceId": INT, "OrderItemId": INT, "InvoiceAmt": DOUBLE, "Discount": DOUBLE,
        "DateCreated": DATETIME, "Description": STRING, "CommissionStatus": INT,
    },
    "OrderItem": {
        "Id": INT, "OrderId": INT, "ProductId": INT, "SubscriptionPlanId": INT, "ItemName": STRING,
        "Qty": INT, "CPU": DOUBLE, "PPU": DOUBLE, "ItemDescription": STRING, "ItemType": INT, "Notes": STRING,
    },
    "Payment": {
        "Id": INT, "PayDate": DATETIME, "UserId": INT, "PayAmt": DOUBLE, "PayType": STRING,
        "ContactId": INT, "PayNote": STRING, "InvoiceId": INT, "RefundId": INT, "ChargeId": INT,
        "Commission": INT, "Synced": INT,
    },
    "InvoicePayment": {
        "Id": INT, "InvoiceId": INT, "Amt": DOUBLE, "PayDate": DATETIME, "PayStatus": STRING,
        "PaymentId": INT, "SkipCommission": INT,
    },
    "CCharge": {
        "Id": INT, "CCId": INT, "PaymentId": INT, "PaymentGatewayId": INT, "MerchantId": INT,
        "OrderNum": STRING, "RefNum": STRING, "ApprCode": STRING, "Amt": DOUBLE,
    },
    "Contact": {
        "Id": INT, "FirstName": STRING, "MiddleName": STRING, "LastName": STRING, "Email": STRING,
        "EmailAddress2": STRING, "EmailAddress3": STRING, "Company": STRING, "CompanyID": INT,
        "StreetAddress1": STRING, "StreetAddress2": STRING, "City": STRING, "State": STRING,
        "PostalCode": STRING, "Country": STRING, "Phone1": STRING, "Phone2": STRING,
        "DateCreated": DATETIME, "LastUpdated": DATETIME, "LastUpdatedBy": INT,
    },
    "Product": {
        "Id": INT, "ProductName": STRING, "ProductPrice": DOUBLE, "Sku": STRING, "ShortDescription": STRING,
        "Taxable": INT, "CountryTaxable": INT, "StateTaxable": INT, "CityTaxable": INT, "Weight": DOUBLE,
        "IsPackage": INT, "NeedsDigitalDelivery": INT, "Description": STRING, "HideInStore": INT,
        "Status": INT, "Shippable": INT,
    },
    "PayPlan": {
        "Id": INT, "InvoiceId": INT, "DateDue": DATETIME, "AmtDue": DOUBLE, "Type": INT,
        "InitDate": DATETIME, "StartDate": DATETIME, "FirstPayAmt": DOUBLE,
    },
    "PayPlanItem": {
        "Id": INT, "PayPlanId": INT, "DateDue": DATETIME, "AmtDue": DOUBLE, "Status": INT, "AmtPaid": DOUBLE,
    },
    "RecurringOrder": {
        "Id": INT, "ContactId": INT, "OriginatingOrderId": INT, "ProgramId": INT, "SubscriptionPlanId": INT,
        "ProductId": INT, "StartDate": DATETIME, "EndDate": DATETIME, "LastBillDate": DATETIME,
        "NextBillDate": DATETIME, "PaidThruDate": DATETIME, "BillingCycle": STRING, "Frequency": INT,
        "BillingAmt": DOUBLE, "Status": STRING, "ReasonStopped": STRING, "AutoCharge": INT, "CC1": INT,
        "CC2": INT, "NumDaysBetweenRetry": INT, "MaxRetry": INT, "MerchantAccountId": INT,
        "AffiliateId": INT, "PromoCode": STRING, "LeadAffiliateId": INT, "Qty": INT,
    },
    "SubscriptionPlan": {
        "Id": INT, "ProductId": INT, "Cycle": STRING, "Frequency": INT, "PreAuthorizeAmount": DOUBLE,
        "Prorate": INT, "Active": INT, "PlanPrice": DOUBLE,
    },
    "CreditCard": {
        "Id": INT, "ContactId": INT, "BillName": STRING, "FirstName": STRING, "LastName": STRING,
        "CardType": STRING, "Last4": STRING, "ExpirationMonth": STRING, "ExpirationYear": STRING,
        "NameOnCard": STRING, "Status": INT, "CardNumber": STRING, "CVV2": STRING,
    },
}

# Readable through the API only as write-only/add-only columns: selecting them faults.
UNREADABLE = {("CreditCard", "CardNumber"), ("CreditCard", "CVV2")}

# Only these billing tables carry LastUpdated (notes §0.6, §2).
LAST_UPDATED_TABLES = frozenset({"Job", "Invoice", "Contact"})

# Internal tables the API cannot query (no such table in DataService).
# DeclinedCharge: one row per card charge the gateway declined (InvoiceId, ContactId, CCId,
# MerchantId, Amt, AttemptDate, Message). XML-RPC keeps no trace of a decline; REST v2 lists
# it as a FAILED transaction.
PRIVATE_TABLES = frozenset({"OrderCommissionOverride", "DeclinedCharge"})

PAYMENT_OPTIONS = (
    "Credit Card (Manual)", "Check", "Cash", "Money Order", "Adjustment", "Credit Card", "Credit", "Refund",
)
