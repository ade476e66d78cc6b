"""The REST v2 face of the Infusionsoft sandbox: Keap's v2 contract over the same AccountStore.

One generated account reads the same through XML-RPC DataService and through
REST v2 (ids, totals, items, payments, RefNums). Modules: `router` (paths ->
operationIds), `listings` (per list operation: records, filters, orders), `filters`
(the filter= grammar), `paging` (order_by, page_size, keyset page tokens), `seek`
(a page from a sorted index, walking only as far as the page needs), `indexes`
(each listing's records sorted by each order, kept while their tables are unchanged),
`views` (facts derived from the XML-RPC tables), `projection` (views -> JSON),
`encoding` (ids, times, money on the wire), `errors` (the Error body).

Served (GET only; the SDK's host is `InfusionsoftSandbox.rest_url` = url + "/crm"):
listOrders GET /crm/rest/v2/orders, getOrder GET /orders/{order_id},
listOrderPayments GET /orders/{order_id}/payments, listPayments GET /sales/payments,
listTransactions GET /sales/transactions, listContacts GET /contacts,
listProducts GET /products.

Choices where Keap's contract is silent or unconfirmed (the client team codes against these)
----------------------------------------------------------------------------------------------
Requests and errors
- An unknown path is 404, another method on a served path 501; both with the Error body.
  An order_id that is not a number is 400; an absent order 404 ("Order 7 was not found").
- Errors are the contract's Error: {"code": 400, "message": "<what, naming the field>",
  "status": "INVALID_ARGUMENT", "details": []}; status words INVALID_ARGUMENT, NOT_FOUND,
  INTERNAL, UNIMPLEMENTED. Messages start with the parameter: "filter: ...", "order_by: ...",
  "page_size: ...", "page_token: ...", "fields: ...".
- Credentials: Authorization: Bearer <service account key> (Keap's Python sample), X-Keap-API-Key,
  Authorization: Bearer <OAuth access token>, or ?access_token=. A refusal is 401 with the same
  Apigee JSON fault the XML-RPC face gives (not the contract's Error) and WWW-Authenticate: Bearer.
- Quota: the XML-RPC face's counters; a service key is one counter whichever header carries it and
  whichever face it calls. Every answer after authentication (400 and 404 too) has the
  x-keap-product-* headers; 429 has Apigee's body and no Retry-After.
- Unknown query parameters are ignored.

filter=
- Clauses `field<op>value` joined by ";" and ANDed (a field may repeat: id>5;id<9). Operators
  == != < <= > >=; a lone "=" is 400 (the contract's one `skip_commission=true` example is taken
  as a typo). Values are trimmed; an empty value is 400.
- Whole numbers for ids (else 400). Lists (ids, order_ids, contact_ids, product_ids) are
  comma-separated whole numbers, at most 1000 (else 400).
- Times: ISO-8601 date-time with "Z" or an offset, fractions allowed; a date alone or a time
  without a zone is 400. *_since_time / start_update_time are inclusive (>=), *_until_time /
  end_update_time exclusive (<). Payments' since_time/until_time are on payment_time,
  transactions' on transaction_time, orders' created_* on creation_time, modified_* on
  modification_time, contacts' on update_time.
- Text (title, name, sku, given_name, family_name, middle_name, email, description,
  short_description) matches case-insensitively; a trailing * is a prefix wildcard, a *
  elsewhere is a literal *. email matches any of the contact's three addresses.
- Enum words (order_type, status, transaction_method, pay_status, merchant_account_type) are
  matched case-insensitively against the contract's list; any other word is 400. Booleans are
  true/false.
- amount is in dollars: payments compare the signed PayAmt (refunds negative), transactions the
  positive transaction amount, order payments the signed allocation.
- Served beyond the brief because the contract lists them and the tables hold them:
  merchant_account_id/merchant_account_type (payments, transactions), amount and
  skip_commission (order payments), contact_id comparisons, company_id, middle_name (contacts),
  description, short_description (products). Orders' invoice_xid and shipping_* are in the
  contract but hold no sandbox data: 400 saying so. Custom fields are unknown fields (400).

order_by and paging
- order_by is "field", "field asc" or "field desc" (space, %20 or +); anything else 400.
  Defaults: orders id, order payments pay_time, payments id, transactions transaction_time,
  contacts id, products id, all ascending. Ties break on the row id in the same direction
  (transactions: payments by id, then declined attempts by id); an absent value sorts first
  ascending, last descending; text sorts case-insensitively. Products' last_updated_time sorts by id (the
  Product table keeps no update time).
- page_size: absent or 0 -> 50; negative, over 1000 or not a number -> 400.
- page_token is a keyset cursor (the last row's sort value and id) bound to the operation, path
  parameters, filter and order_by: the sequence neither loses nor repeats rows while rows are
  inserted; page_size may change between pages; a token used with another filter or order_by,
  or not issued here, is 400.
- next_page_token is present only when more rows follow; on the last page it is left out (never
  "" or null), even when that page is full.

What the tables become (OrderV2 and friends)
- Ids are strings of the XML-RPC Ids (order = Job.Id, invoice_id = Invoice.Id, payment =
  Payment.Id, ...). Times are UTC "YYYY-MM-DDTHH:MM:SSZ"; plan dates YYYY-MM-DD in the account
  zone. A CurrencyValue is {"amount": <int cents>, "currency_code": "USD", "formatted_amount":
  "$1,234.56"} ("-$5.00" when negative; the account's currency is always USD). Payment,
  TransactionV2 and InvoiceOrderPayment amounts are JSON numbers of dollars.
- Absent values are left out; stored strings are written as they are, "" included.
- Orders: the list carries each order's order_items and payment_plan, as getOrder does
  (unconfirmed for the real API, which may leave them out of lists). status is PAID when
  Invoice.PayStatus is 1, else SENT; a Job without an Invoice is DRAFT with zero totals and no
  invoice_id. order_type ONLINE/OFFLINE from Job.OrderType (anything else left out).
  source_type is kept outside the XML-RPC tables (set_order_source_type), default INVOICE for
  Offline and CHECKOUT_FORM for Online orders (UNKNOWN without an order type); setting it does
  not move modification_time. creation_time = order_time = Job.DateCreated; modification_time
  = the later of Job.LastUpdated and Invoice.LastUpdated; due_time = Job.DueDate. total /
  total_paid / total_due = InvoiceTotal / TotalPaid / TotalDue; refund_total = the refunded
  allocations as a positive amount. notes = JobNotes; lead/sales affiliate ids when set; synced.
- Order items: item_type by ItemType code (0 UNKNOWN ... 14 DISCOUNT_SHIPPING); price_per_unit =
  PPU (negative on discount lines), cost_per_unit = CPU; discount = |PPU x Qty| on discount
  types (7, 10-14); product {id, name, sku, description (Product.Description), shippable,
  taxable} when ProductId is set; subscription_id = Job.JobRecurringId on SUBSCRIPTION items.
- payment_plan: the invoice's PayPlan; number_of_payments counts its items (the initial
  payment's included); days_between_payments is the gap between the first two installments
  due on or after StartDate (0 with fewer than two); items in due-date order, status PAID when
  AmtPaid >= AmtDue, else UNPAID_AUTOCHARGE (PayPlan.Type 1) or UNPAID_MANUAL; FAILED never
  appears (the contract calls it unused). max_charge_attempts, days_between_retries and
  payment_method_id are not stored, so left out.
- Payments: status APPROVED for card payments (ChargeId set), COMPLETED otherwise (manual and
  refunds); payment_time = update_time = PayDate; order_ids = [the invoice's JobId];
  merchant_account_id = CCharge.MerchantId and merchant_account_type AUTHORIZE on card
  payments; external_transaction_id = CCharge.RefNum EXCEPT on payments whose id is divisible
  by 3, where it is left out, so a client must also read the RefNum from the transactions
  (external_reference_id by payment_id); refund_payment_id = the latest refund Payment whose
  RefundId points at the payment; commissioned, synced from Commission, Synced; payment_method on
  card payments = the CreditCard of CCharge.CCId (credit_card_id, payment_method_type CARD,
  card_info brand = CardType, last_four = Last4, expiration month and year).
- Transactions (no id, as the contract): CAPTURE per card payment (external_reference_id =
  RefNum, external_response_code = ApprCode), REFUND per refund payment (amount positive,
  merchant of the refunded charge), MANUAL per other payment; all APPROVED and successful,
  transaction_time = PayDate. A declined charge (billing keeps it in the private DeclinedCharge
  table) is CAPTURE with status FAILED, is_successful false, error_details = the decline
  message, no payment_id and no external ids; it is removed with its order. No VOID.
- Order payments (InvoicePayment): note = the payment's PayNote; last_updated_time = pay_time
  (allocations are never edited); refund_invoice_payment_id, on a refund's allocation, = the
  allocation of the refunded payment.
- Contacts: fields= is a comma list of the contract's Contact properties (unknown names 400);
  absent, it is id, given_name, family_name, email_addresses; id is always included; a
  property the sandbox holds no data for is simply absent. email_addresses EMAIL1-3 (non-empty
  only); addresses: one BILLING address when any part is set, country_code ISO-3 from the
  country name when known ("United States" -> "USA"); phone_numbers PHONE1/PHONE2; company
  {company_name, id when CompanyID is set}; the email order_by uses EMAIL1.
- Products: active = Status 1; storefront_hidden = HideInStore; price a CurrencyValue.

Faults (InfusionsoftSandbox.inject, method = the operationId)
- http500 is 500 with the Error body, http503 Apigee's 503 body, http429 Apigee's quota body with
  the quota headers, html a 200 text/html page; blank (empty 200 body) and cut / truncated (the
  first half of the JSON) run the operation first. `rest_calls` counts the calls that reached an
  operation's handler (those garbled and those it answered 400/404 included).

XML-RPC sunset (InfusionsoftSandbox(xmlrpc_off_from=..., brownouts=[...]))
- From xmlrpc_off_from (by the sandbox clock) both XML-RPC paths answer 410 with an Apigee-style
  JSON fault {"fault": {"faultstring": "The XML-RPC API was retired on <time>Z. Use the Keap
  REST v2 API ... instead.", "detail": {"errorcode": "sandbox.xmlrpc.Retired"}}} (the real status
  is unconfirmed); inside a [start, end) brownout they answer 503 with the gateway's 503 body.
  Both come before auth and quota (nothing is counted). /token and REST are never affected;
  the settings survive reset().
"""

from .errors import RestError, error_body
from .router import OPERATION_IDS, PREFIX, is_rest_path, resolve
from .views import SOURCE_TYPES, set_source_type

__all__ = [
    "OPERATION_IDS", "PREFIX", "SOURCE_TYPES", "RestError", "error_body", "is_rest_path", "resolve",
    "set_source_type",
]
