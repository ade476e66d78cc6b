"""The REST v2 face through Keap's official SDK: every answer loads into its typed models, the
projection of the account store, filters, order_by, paging and 400/404 answers."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
from keap_core_v2_client.exceptions import BadRequestException, NotFoundException

from syncsvc.sandbox.infusionsoft import billing

from .rest_support import apis, ids, rest_get, sdk, shop  # noqa: F401 - fixtures

UTC = timezone.utc


def cents(value) -> tuple[int, str, str]:
    return value.amount, value.currency_code, value.formatted_amount


# --- the projection ------------------------------------------------------------------------


def test_get_order_with_items_discount_refund_and_contact(apis, shop):
    order = apis.orders.get_order(str(shop.order1))
    assert (order.id, order.title, order.status, order.order_type, order.source_type) == (
        "1", "Web order", "PAID", "OFFLINE", "INVOICE")
    assert order.invoice_id == str(shop.invoice1)
    assert (order.contact.id, order.contact.email, order.contact.given_name, order.contact.family_name) == (
        str(shop.ann), "ann@example.com", "Ann", "O'Brien")
    # 09:00 in New York on 18 Nov is 14:00 UTC; the refund on the 20th moved the order last
    assert order.creation_time == order.order_time == datetime(2024, 11, 18, 14, 0, tzinfo=UTC)
    assert order.modification_time == datetime(2024, 11, 20, 14, 30, tzinfo=UTC)
    assert cents(order.total) == (3694, "USD", "$36.94")
    assert cents(order.total_paid) == (3694, "USD", "$36.94")
    assert cents(order.total_due) == (0, "USD", "$0.00")
    assert cents(order.refund_total) == (1000, "USD", "$10.00")
    assert order.payment_plan is None
    product_line, shipping, promo = order.order_items
    assert (product_line.item_type, product_line.quantity, product_line.price_per_unit.amount) == ("PRODUCT", 2, 1747)
    assert (product_line.product.id, product_line.product.sku, product_line.product.taxable) == (
        str(shop.brake_pads), "BRK-1", True)
    assert (shipping.item_type, shipping.name, shipping.price_per_unit.amount, shipping.product) == (
        "SHIPPING", "Shipping", 500, None)
    assert (promo.item_type, promo.price_per_unit.formatted_amount, promo.discount.amount) == ("DISCOUNT", "-$3.00", 300)


def test_order_status_type_source_and_payment_plan(apis, shop, sandbox):
    gift = apis.orders.get_order(str(shop.order2))
    assert (gift.status, gift.order_type, gift.source_type) == ("SENT", "ONLINE", "CHECKOUT_FORM")
    assert (gift.total_paid.amount, gift.total_due.amount) == (1000, 1500)
    sandbox.set_order_source_type(shop.order2, "QUICKBOOKS")
    assert apis.orders.get_order(str(shop.order2)).source_type == "QUICKBOOKS"
    with pytest.raises(ValueError):
        sandbox.set_order_source_type(shop.order2, "FAX")

    plan = apis.orders.get_order(str(shop.order3)).payment_plan
    assert (plan.auto_charge, plan.plan_start_date, plan.initial_payment_date) == (
        True, date(2024, 12, 1), date(2024, 11, 20))
    assert (plan.initial_payment_amount.amount, plan.number_of_payments, plan.days_between_payments) == (3000, 3, 14)
    assert [(i.status, i.due_date, i.amount_due.amount, i.amount_paid.amount) for i in plan.payment_plan_items] == [
        ("PAID", date(2024, 11, 20), 3000, 3000),
        ("UNPAID_AUTOCHARGE", date(2024, 12, 1), 3500, 0),
        ("UNPAID_AUTOCHARGE", date(2024, 12, 15), 3500, 0),
    ]


def test_the_order_list_carries_items_and_plans_like_get_order(apis, shop):
    listed = {order.id: order for order in apis.orders.list_orders().orders}
    for order_id in map(str, (shop.order1, shop.order2, shop.order3)):
        assert listed[order_id] == apis.orders.get_order(order_id)
    assert listed[str(shop.order3)].payment_plan is not None


def test_missing_order_is_404_with_an_error_body(apis, shop):
    with pytest.raises(NotFoundException) as caught:
        apis.orders.get_order("999")
    assert json.loads(caught.value.body) == {
        "code": 404, "message": "Order 999 was not found", "status": "NOT_FOUND", "details": []}
    with pytest.raises(NotFoundException):
        apis.orders.list_order_payments("999")


def test_payments_card_manual_and_refund(apis, shop, sandbox):
    payments = {p.id: p for p in apis.sales.list_payments().payments}
    card, check, deposit, refund = (payments[str(i)] for i in (
        shop.card_payment, shop.check_payment, shop.plan_payment, shop.refund))
    charge = sandbox.store.find("CCharge", "PaymentId", shop.card_payment)[0]
    assert (card.type, card.amount, card.status, card.order_ids, card.contact_id) == (
        "Credit Card", 36.94, "APPROVED", [str(shop.order1)], str(shop.ann))
    assert (card.external_transaction_id, card.merchant_account_id, card.merchant_account_type) == (
        charge["RefNum"], "1", "AUTHORIZE")
    assert card.refund_payment_id == str(shop.refund)
    assert card.payment_time == card.update_time == datetime(2024, 11, 18, 14, 5, tzinfo=UTC)
    # a manual payment is stamped at midnight in the account's zone
    assert (check.type, check.amount, check.status, check.note) == ("Check", 10.0, "COMPLETED", "Mailed")
    assert check.payment_time == datetime(2024, 11, 19, 5, 0, tzinfo=UTC)
    assert check.external_transaction_id is None and check.merchant_account_type is None
    # payment 3 is a card payment whose id is divisible by 3: the sandbox leaves the RefNum out
    assert (deposit.status, deposit.merchant_account_type, deposit.external_transaction_id) == (
        "APPROVED", "AUTHORIZE", None)
    assert (refund.type, refund.amount, refund.status, refund.order_ids) == (
        "Refund", -10.0, "COMPLETED", [str(shop.order1)])


def test_transactions_capture_manual_refund_and_the_declined_attempt(apis, shop, sandbox):
    found = apis.sales.list_transactions().transactions
    assert [(t.transaction_method, t.status, t.is_successful, t.payment_id, t.amount) for t in found] == [
        ("CAPTURE", "APPROVED", True, str(shop.card_payment), 36.94),
        ("MANUAL", "APPROVED", True, str(shop.check_payment), 10.0),
        ("CAPTURE", "FAILED", False, None, 15.0),
        ("CAPTURE", "APPROVED", True, str(shop.plan_payment), 30.0),
        ("REFUND", "APPROVED", True, str(shop.refund), 10.0),
    ]
    by_payment = {t.payment_id: t for t in found if t.payment_id}
    deposit_charge = sandbox.store.find("CCharge", "PaymentId", shop.plan_payment)[0]
    deposit = by_payment[str(shop.plan_payment)]
    assert (deposit.external_reference_id, deposit.external_response_code) == (
        deposit_charge["RefNum"], deposit_charge["ApprCode"])
    assert by_payment[str(shop.check_payment)].external_reference_id is None
    declined = found[2]
    assert (declined.order_ids, declined.contact_id, declined.error_details) == (
        [str(shop.order2)], str(shop.bob), "This transaction has been declined.")
    assert declined.transaction_time == datetime(2024, 11, 19, 18, 0, tzinfo=UTC)
    # XML-RPC still shows no trace of the decline
    assert [p["Id"] for p in sandbox.store.rows("Payment", InvoiceId=shop.invoice2)] == [shop.check_payment]


def test_order_payments_link_a_refund_to_the_refunded_allocation(apis, shop):
    allocations = apis.orders.list_order_payments(str(shop.order1)).invoice_order_payments
    paid, refunded = allocations
    assert (paid.payment_id, paid.amount, paid.pay_status, paid.invoice_id, paid.skip_commission) == (
        str(shop.card_payment), 36.94, "APPROVED", str(shop.invoice1), False)
    assert (refunded.payment_id, refunded.amount, refunded.pay_status, refunded.refund_invoice_payment_id) == (
        str(shop.refund), -10.0, "REFUNDED", paid.id)
    assert refunded.pay_time == refunded.last_updated_time == datetime(2024, 11, 20, 14, 30, tzinfo=UTC)
    assert paid.refund_invoice_payment_id is None
    manual = apis.orders.list_order_payments(str(shop.order2)).invoice_order_payments
    assert [(a.payment_id, a.pay_status, a.note) for a in manual] == [(str(shop.check_payment), "MANUAL_PAID", "Mailed")]


def test_contacts_default_fields_and_selected_fields(apis, shop):
    default = apis.contacts.list_contacts().contacts
    ann = default[0]
    assert set(ann.model_dump(exclude_none=True, exclude={"additional_properties"})) == {
        "id", "given_name", "family_name", "email_addresses"}
    assert [(e.email, e.var_field) for e in ann.email_addresses] == [
        ("ann@example.com", "EMAIL1"), ("ann@work.example", "EMAIL2")]
    chosen = apis.contacts.list_contacts(fields=["addresses", "company", "phone_numbers", "update_time"]).contacts
    ann, bob = chosen
    assert ann.given_name is None  # not asked for
    address = ann.addresses[0]
    assert (address.var_field, address.line1, address.locality, address.region, address.postal_code,
            address.country_code) == ("BILLING", "1 Main St", "Boston", "MA", "02110", "USA")
    assert ann.company.company_name == "O'Brien Bakery"
    assert [(p.number, p.var_field) for p in ann.phone_numbers] == [("555-0100", "PHONE1")]
    assert ann.update_time == "2024-10-01T12:00:00Z"  # 08:00 EDT
    assert (bob.addresses, bob.company, bob.phone_numbers) == (None, None, None)
    with pytest.raises(BadRequestException) as caught:
        apis.contacts.list_contacts(fields=["given_name", "shoe_size"])
    assert "shoe_size" in json.loads(caught.value.body)["message"]


def test_products(apis, shop):
    brake, gift = apis.products.list_products().products
    assert (brake.id, brake.name, brake.sku, brake.active, brake.taxable, brake.shippable) == (
        str(shop.brake_pads), "Brake Pads", "BRK-1", True, True, False)
    assert cents(brake.price) == (1747, "USD", "$17.47")
    assert (gift.sku, gift.shippable, gift.price.amount) == ("", True, 2500)


# --- filters --------------------------------------------------------------------------------


@pytest.mark.parametrize("query, expected", [
    ("id==2", ["2"]),
    ("id!=2", ["1", "3"]),
    ("id<2", ["1"]),
    ("id<=2", ["1", "2"]),
    ("id>2", ["3"]),
    ("id>=2", ["2", "3"]),
    ("id>1;id<3", ["2"]),
    ("ids==1,3,77", ["1", "3"]),
    ("contact_id==1", ["1", "3"]),
    ("invoice_id==2", ["2"]),
    ("product_id==2", ["2"]),
    ("paid==true", ["1"]),
    ("paid==false", ["2", "3"]),
    ("created_since_time==2024-11-18T15:00:00Z", ["2", "3"]),  # inclusive
    ("created_until_time==2024-11-18T15:00:00Z", ["1"]),  # exclusive
    ("created_since_time==2024-11-18T10:00:00-05:00;created_until_time==2024-11-20T00:00:00.000Z", ["2"]),
    ("modified_since_time==2024-11-20T14:01:00Z", ["1", "3"]),
    ("modified_until_time==2024-11-20T14:01:00Z", ["2"]),
    ("title==web*", ["1"]),
    ("title==GIFT ORDER", ["2"]),
    ("title==order", []),
    ("order_type==ONLINE", ["2"]),
    ("order_type==offline", ["1", "3"]),
])
def test_order_filters(apis, shop, query, expected):
    assert ids(apis.orders.list_orders(filter=query).orders) == expected


@pytest.mark.parametrize("query, expected", [
    ("id==2", ["2"]),
    ("id>2", ["3", "4"]),
    ("id>=2", ["2", "3", "4"]),
    ("id<2", ["1"]),
    ("id<=2", ["1", "2"]),
    ("ids==4,1", ["1", "4"]),
    ("order_id==1", ["1", "4"]),
    ("order_ids==1,2", ["1", "2", "4"]),
    ("contact_id==2", ["2"]),
    ("since_time==2024-11-19T05:00:00Z", ["2", "3", "4"]),
    ("until_time==2024-11-19T05:00:00Z", ["1"]),
    ("amount<0", ["4"]),
    ("amount>=30", ["1", "3"]),
    ("amount==10.00", ["2"]),
    ("amount!=10", ["1", "3", "4"]),
    ("merchant_account_type==AUTHORIZE", ["1", "3"]),
])
def test_payment_filters(apis, shop, query, expected):
    assert ids(apis.sales.list_payments(filter=query).payments) == expected


def _methods(transactions):
    return [(t.transaction_method, t.status, t.payment_id) for t in transactions]


@pytest.mark.parametrize("query, expected", [
    ("order_id==2", [("MANUAL", "APPROVED", "2"), ("CAPTURE", "FAILED", None)]),
    ("contact_id==1", [("CAPTURE", "APPROVED", "1"), ("CAPTURE", "APPROVED", "3"), ("REFUND", "APPROVED", "4")]),
    ("status==FAILED", [("CAPTURE", "FAILED", None)]),
    ("transaction_method==REFUND", [("REFUND", "APPROVED", "4")]),
    ("transaction_method==MANUAL", [("MANUAL", "APPROVED", "2")]),
    ("is_successful==false", [("CAPTURE", "FAILED", None)]),
    ("since_time==2024-11-20T14:01:00Z", [("CAPTURE", "APPROVED", "3"), ("REFUND", "APPROVED", "4")]),
    ("until_time==2024-11-19T05:00:01Z", [("CAPTURE", "APPROVED", "1"), ("MANUAL", "APPROVED", "2")]),
    ("amount==10", [("MANUAL", "APPROVED", "2"), ("REFUND", "APPROVED", "4")]),
    ("amount>15;amount<=36.94", [("CAPTURE", "APPROVED", "1"), ("CAPTURE", "APPROVED", "3")]),
])
def test_transaction_filters(apis, shop, query, expected):
    assert _methods(apis.sales.list_transactions(filter=query).transactions) == expected


def test_order_payment_filters_and_order(apis, shop):
    listed = apis.orders.list_order_payments
    order = str(shop.order1)
    assert [a.payment_id for a in listed(order, filter="pay_status==REFUNDED").invoice_order_payments] == ["4"]
    assert [a.payment_id for a in listed(order, filter="payment_id==1").invoice_order_payments] == ["1"]
    assert [a.payment_id for a in listed(order, filter=f"invoice_id=={shop.invoice2}").invoice_order_payments] == []
    assert [a.payment_id for a in listed(order, order_by="amount").invoice_order_payments] == ["4", "1"]
    assert [a.payment_id for a in listed(order, order_by="pay_time desc").invoice_order_payments] == ["4", "1"]


@pytest.mark.parametrize("query, expected", [
    ("ids==2", ["2"]),
    ("contact_ids==1,2", ["1", "2"]),
    ("email==ann@work*", ["1"]),  # any of the three addresses
    ("email==BOB@EXAMPLE.ORG", ["2"]),
    ("given_name==an*", ["1"]),
    ("family_name==zimmer", ["2"]),
    ("start_update_time==2024-11-02T12:00:00Z", ["2"]),
    ("end_update_time==2024-11-02T12:00:00Z", ["1"]),
    ("contact_id>1", ["2"]),
])
def test_contact_filters(apis, shop, query, expected):
    assert ids(apis.contacts.list_contacts(filter=query).contacts) == expected


@pytest.mark.parametrize("query, expected", [
    ("product_ids==2", ["2"]),
    ("product_id>1", ["2"]),
    ("product_id<=1", ["1"]),
    ("name==brake*", ["1"]),
    ("sku==brk-1", ["1"]),
    ("sku==BRK*;name==gift*", []),
])
def test_product_filters(apis, shop, query, expected):
    assert ids(apis.products.list_products(filter=query).products) == expected


# --- order_by ----------------------------------------------------------------------------


def test_order_by_on_every_list(apis, shop):
    orders = apis.orders.list_orders
    assert ids(orders(order_by="id desc").orders) == ["3", "2", "1"]
    assert ids(orders(order_by="modification_time").orders) == ["2", "3", "1"]
    assert ids(orders(order_by="order_time desc").orders) == ["3", "2", "1"]
    payments = apis.sales.list_payments
    assert ids(payments(order_by="amount asc").payments) == ["4", "2", "3", "1"]
    assert ids(payments(order_by="payment_time desc").payments) == ["4", "3", "2", "1"]
    assert ids(payments(order_by="contact_id desc").payments) == ["2", "4", "3", "1"]  # ties: id, same direction
    transactions = apis.sales.list_transactions
    assert [t.amount for t in transactions(order_by="amount desc").transactions] == [36.94, 30.0, 15.0, 10.0, 10.0]
    assert [t.payment_id for t in transactions(order_by="transaction_time desc").transactions] == [
        "4", "3", None, "2", "1"]
    assert [t.contact_id for t in transactions(order_by="contact_id").transactions] == ["1", "1", "1", "2", "2"]
    contacts = apis.contacts.list_contacts
    assert ids(contacts(order_by="email desc").contacts) == ["2", "1"]
    assert ids(contacts(order_by="create_time desc").contacts) == ["2", "1"]
    assert ids(contacts(order_by="update_time").contacts) == ["1", "2"]
    products = apis.products.list_products
    assert ids(products(order_by="name desc").products) == ["2", "1"]
    assert ids(products(order_by="sku").products) == ["2", "1"]  # "" sorts before "BRK-1"


def test_order_by_is_accepted_url_encoded_in_either_form(sandbox, shop):
    for raw in ("id%20desc", "id+desc"):
        response = rest_get(sandbox, f"/orders?order_by={raw}")
        assert [o["id"] for o in response.json()["orders"]] == ["3", "2", "1"]


# --- bad requests -----------------------------------------------------------------------------


@pytest.mark.parametrize("operation, arguments, named", [
    ("orders.list_orders", {"filter": "colour==red"}, "colour"),
    ("orders.list_orders", {"filter": "contact_id>5"}, "contact_id"),
    ("orders.list_orders", {"filter": "id==abc"}, "id"),
    ("orders.list_orders", {"filter": "created_since_time==2024-11-18"}, "created_since_time"),
    ("orders.list_orders", {"filter": "modified_since_time==2024-11-18T10:00:00"}, "modified_since_time"),
    ("orders.list_orders", {"filter": "ids==" + ",".join(map(str, range(1, 1002)))}, "ids"),
    ("orders.list_orders", {"filter": "paid==yes"}, "paid"),
    ("orders.list_orders", {"filter": "order_type==ONSITE"}, "order_type"),
    ("orders.list_orders", {"filter": "invoice_xid==f411a79c"}, "invoice_xid"),
    ("orders.list_orders", {"filter": "id=5"}, "id=5"),
    ("orders.list_orders", {"filter": "title=="}, "title"),
    ("orders.list_orders", {"order_by": "title"}, "order_by"),
    ("orders.list_orders", {"order_by": "id sideways"}, "order_by"),
    ("sales.list_payments", {"filter": "id!=3"}, "id"),
    ("sales.list_payments", {"filter": "amount==ten"}, "amount"),
    ("sales.list_payments", {"order_by": "payment_date"}, "order_by"),
    ("sales.list_transactions", {"filter": "id==1"}, "id"),
    ("sales.list_transactions", {"filter": "transaction_method==ONLINE"}, "transaction_method"),
    ("sales.list_transactions", {"order_by": "id"}, "order_by"),
    ("contacts.list_contacts", {"filter": "start_update_time==yesterday"}, "start_update_time"),
    ("products.list_products", {"filter": "product_id!=1"}, "product_id"),
])
def test_bad_filter_or_order_is_400_naming_the_field(apis, shop, operation, arguments, named):
    group, method = operation.split(".")
    with pytest.raises(BadRequestException) as caught:
        getattr(getattr(apis, group), method)(**arguments)
    body = json.loads(caught.value.body)
    assert (caught.value.status, body["code"], body["status"], body["details"]) == (400, 400, "INVALID_ARGUMENT", [])
    assert named in body["message"]


def test_page_size_and_page_token_are_checked(sandbox, shop):
    # the SDK refuses page_size > 1000 itself, so these go raw
    for bad in ("1001", "-1", "ten"):
        response = rest_get(sandbox, "/orders", {"page_size": bad})
        assert response.status_code == 400 and "page_size" in response.json()["message"]
    for bad in ("garbage!", "eyJ2IjoxfQ"):
        response = rest_get(sandbox, "/orders", {"page_token": bad})
        assert response.status_code == 400 and "page_token" in response.json()["message"]
    token = rest_get(sandbox, "/orders", {"page_size": "1"}).json()["next_page_token"]
    assert rest_get(sandbox, "/orders", {"page_size": "1", "page_token": token}).status_code == 200
    moved = rest_get(sandbox, "/orders", {"page_size": "1", "page_token": token, "order_by": "id desc"})
    assert moved.status_code == 400 and "page_token" in moved.json()["message"]
    elsewhere = rest_get(sandbox, "/sales/payments", {"page_token": token})
    assert elsewhere.status_code == 400


# --- paging ------------------------------------------------------------------------------------


def _all_pages(call, collection, **arguments):
    pages, token = [], None
    while True:
        answer = call(page_token=token, **arguments)
        pages.append(getattr(answer, collection))
        token = answer.next_page_token
        if not token:
            return pages


def test_contacts_past_1000_in_pages_with_no_row_lost_or_repeated(apis, sandbox):
    for n in range(2500):
        sandbox.store.add_contact(FirstName=f"Name{n:04d}", LastName="Pager", Email=f"p{n:04d}@example.com")
    pages = _all_pages(apis.contacts.list_contacts, "contacts", page_size=1000)
    assert [len(p) for p in pages] == [1000, 1000, 500]
    assert [c.id for p in pages for c in p] == [str(n) for n in range(1, 2501)]
    by_email = _all_pages(apis.contacts.list_contacts, "contacts", page_size=1000, order_by="email desc")
    assert [c.email_addresses[0].email for p in by_email for c in p] == [
        f"p{n:04d}@example.com" for n in range(2499, -1, -1)]


def test_default_page_size_is_50_and_the_last_page_has_no_token(apis, sandbox):
    for n in range(60):
        sandbox.store.add_contact(FirstName=f"C{n}")
    first = apis.contacts.list_contacts()
    assert len(first.contacts) == 50 and first.next_page_token
    assert len(apis.contacts.list_contacts(page_size=0).contacts) == 50
    last = apis.contacts.list_contacts(page_token=first.next_page_token)
    assert len(last.contacts) == 10 and last.next_page_token is None
    exact = apis.contacts.list_contacts(page_size=60)
    assert len(exact.contacts) == 60 and exact.next_page_token is None


def test_order_pages_stay_stable_while_orders_are_inserted(apis, sandbox):
    store = sandbox.store
    contact = store.add_contact(FirstName="Bulk")
    for n in range(1100):
        billing.create_order(store, contact, f"Bulk {n}")
    before = [str(n) for n in range(1100, 0, -1)]
    seen, token = [], None
    while True:
        answer = apis.orders.list_orders(page_size=400, order_by="id desc", page_token=token)
        seen += ids(answer.orders)
        token = answer.next_page_token
        if not token:
            break
        for n in range(5):  # newer orders sort before the cursor: an offset pager would repeat rows
            billing.create_order(store, contact, f"Late {n}")
    assert seen == before
    with sdk(sandbox) as fresh:
        assert len(_all_pages(fresh.orders.list_orders, "orders", page_size=1000)[0]) == 1000
