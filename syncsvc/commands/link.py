"""`syncsvc link customer CONTACT_ID QBO_ID`: settle which QuickBooks customer a contact posts to."""

from __future__ import annotations

from syncsvc.errors import SyncsvcError


def register(subparsers) -> None:
    parser = subparsers.add_parser("link", help="link Infusionsoft records to QuickBooks ones by hand")
    kinds = parser.add_subparsers(dest="link_kind", metavar="KIND", required=True)
    customer = kinds.add_parser(
        "customer", help="post this contact's orders to this QuickBooks customer from now on",
        description="Stores a manual link: the contact's orders post to QBO_ID and no matching rule runs "
        "again for it. Orders held as ambiguous post on the next `syncsvc sync`.",
    )
    customer.add_argument("contact_id", type=int, help="Infusionsoft contact id")
    customer.add_argument("qbo_id", help="QuickBooks customer id")
    customer.add_argument("--no-verify", action="store_true", help="do not check the customer exists in QuickBooks")
    customer.set_defaults(handler=link_customer)


def link_customer(args) -> int:
    from syncsvc.config import load_settings
    from syncsvc.store.db import upgrade
    from syncsvc.sync.wiring import state_store

    settings = load_settings(args.config)
    upgrade(settings.state.database_url)
    name = "" if args.no_verify else f" ({verified_customer_name(settings, args.qbo_id)})"
    state = state_store(settings)
    try:
        with state.unit() as uow:
            uow.link_customer(args.contact_id, str(args.qbo_id), "manual")
            held = uow.open_issue_ids("order", ("held",))
    finally:
        state.engine.dispose()
    print(f"Contact {args.contact_id} now posts to QuickBooks customer {args.qbo_id}{name}.")
    if held:
        print(f"{len(held)} held order(s) are retried on the next `syncsvc sync`.")
    return 0


def verified_customer_name(settings, qbo_id: str) -> str:
    from quickbooks.objects.customer import Customer

    from syncsvc.quickbooks.client import open_company
    from syncsvc.quickbooks.errors import ObjectNotFound

    qb = open_company(settings).client()
    try:
        customer = Customer.get(qbo_id, qb=qb)
    except ObjectNotFound:
        raise SyncsvcError(f"QuickBooks has no active customer {qbo_id}") from None
    return customer.DisplayName
