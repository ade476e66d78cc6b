"""Infusionsoft (Keap) XML-RPC: transport, auth, DataService, InvoiceService, records, the OrderSource."""
