"""Loopback sandboxes of the Infusionsoft and QuickBooks Online APIs.

They are product, not test scaffolding: the demo runs on them and users try
the service against them. `syncsvc sandbox` serves both standalone.
"""
