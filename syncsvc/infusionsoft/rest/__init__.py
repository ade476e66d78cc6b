"""Keap REST v2 through the official SDK (keap-core-v2-sdk): the OrderSource that replaces XML-RPC.

caller.py sends one call (auth, rate limit, retries); tolerant.py loads each raw
record into the SDK's models; convert.py turns them into the engine's records;
references.py decides the merchant reference; source.py is RestOrderSource;
client.py wires them from settings (KeapRestClient).
"""

from syncsvc.infusionsoft.rest import sdk as _sdk

_sdk.install()  # before anything imports the SDK: only the models syncsvc uses are built (sdk.py)
