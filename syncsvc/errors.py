"""Errors shared across the service: each says what went wrong and what to do."""


class SyncsvcError(Exception):
    """Base for errors the CLI reports as one clear line instead of a traceback."""


class ConfigError(SyncsvcError):
    """A configuration file or environment variable is missing or wrong."""


class StateDatabaseError(SyncsvcError):
    """The state database ([state].database_url) cannot be opened, created or reached."""
