"""`syncsvc check-rest --orders 1001,1002`: read orders through XML-RPC and REST v2 and compare them."""

from __future__ import annotations

from dataclasses import replace

from syncsvc.commands.sync import order_ids


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "check-rest", help="compare orders read through XML-RPC and through REST v2, before moving",
        description="Reads the given orders through both Keap APIs with this config's key and prints, per order "
        "and payment, whether the sync would post the same thing (amounts, dates, lines, and the merchant "
        "reference used as PaymentRefNum). Writes nothing. Exits 0 when everything agrees, 1 otherwise.",
    )
    parser.add_argument("--orders", type=order_ids, required=True,
                        help="comma-separated order ids, e.g. a few recent card-paid orders")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from syncsvc.config import load_settings
    from syncsvc.infusionsoft.client import InfusionsoftClient
    from syncsvc.infusionsoft.rest.client import KeapRestClient
    from syncsvc.sync.api_check import compare_orders
    from syncsvc.sync.bundles import read_bundles
    from syncsvc.sync.wiring import infusionsoft_token_store

    settings = load_settings(args.config)
    if settings.infusionsoft.auth == "legacy_key":
        from syncsvc.errors import ConfigError

        raise ConfigError("check-rest needs a key REST v2 accepts: a service account key (auth = \"service_key\") "
                          "or OAuth; legacy keys work only with XML-RPC")
    tokens = infusionsoft_token_store(settings)
    xmlrpc = replace(settings, infusionsoft=replace(settings.infusionsoft, api="xmlrpc"))
    rest = replace(settings, infusionsoft=replace(settings.infusionsoft, api="rest"))
    with InfusionsoftClient.from_settings(xmlrpc, tokens) as old, KeapRestClient.from_settings(rest, tokens) as new:
        comparison = compare_orders(args.orders, read_bundles(old.source, args.orders),
                                    read_bundles(new.source, args.orders), settings.sync.engine)
    print("\n".join(comparison.lines))
    if comparison.invoice_ids_differ:
        print(f"{comparison.differences} difference(s), among them the orders' invoice ids: do not move yet. After a "
              f"move every posted order edited in Keap would be held as an order id Keap gave to another order; "
              f"keep api = \"xmlrpc\" and report this difference")
        return 1
    if comparison.differences:
        print(f"{comparison.differences} difference(s): moving is still safe (posted documents and payments are "
              f"recognised by DocNumber and Keap payment id), but new payments will carry the REST v2 reference")
        return 1
    print("The same through both APIs: set [infusionsoft].api = \"rest\" (README: \"Moving from XML-RPC to REST v2\")")
    return 0
