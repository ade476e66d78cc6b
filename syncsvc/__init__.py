"""syncsvc: keeps QuickBooks Online in step with Infusionsoft (Keap) sales."""

__version__ = "0.1.0"
