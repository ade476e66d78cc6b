"""The sync cycle: Infusionsoft source -> pure engine plan -> QuickBooks writes -> state store.

Modules, one job each: bundles (bulk-read orders into OrderBundles), resolve
(the customer/item/reference lookups the engine asks for), qbo_mapping
(planned documents -> python-quickbooks objects), executor (run one plan's
actions and record each), cycle (one incremental run), orders (re-sync named
orders), wiring (Settings -> source, QuickBooks client, state store).
"""
