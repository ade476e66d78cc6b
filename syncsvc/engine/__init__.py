"""The sync's decisions as pure functions: no I/O, no HTTP or database imports.

Modules, one rule each: cursors (where reads start), numbering (DocNumber),
customers (contact -> QBO customer), items (SKU -> QBO item), lines (order
items -> document lines, total check), payments (references, dedupe,
refunds), plans (payment-plan terms), hashing (did a posted order change),
plan (plan_order, which puts them together), settings (EngineSettings).
"""
