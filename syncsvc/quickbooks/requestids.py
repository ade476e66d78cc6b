"""Deterministic QBO `requestid`s: the same logical write always carries the same id.

QBO replays the original response when it sees a requestid again (best effort:
see writers for what happens when it does not), refusals included. The id is
derived from what is written (the natural key and the content sent), so a
retry, a restarted process or a re-run of the same plan all send the same one,
while a changed document (new content) gets a new one. Once QuickBooks has
refused a requestid, the same content is sent next under `attempt` 1, 2, ...
(writers keeps the refused ones in the state store), so a write refused once
(an overpayment, a body cut short) can succeed once its cause is fixed.
"""

from __future__ import annotations

import hashlib
import json

MAX_LENGTH = 50  # QBO's limit for non-batch operations


def content_version(obj) -> str:
    """A hash of a python-quickbooks object's JSON, independent of key order."""
    canonical = json.dumps(json.loads(obj.to_json()), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def request_id(realm_id: str, entity: str, natural_key: str, content: str = "", operation: str = "create",
               attempt: int = 0) -> str:
    """e.g. "invoice-3f9c..." (<= 50 chars) for (realm, entity, natural key, operation, content version),
    and the attempt after `attempt` refusals of that same write (0: the id every earlier release sent)."""
    parts = [str(realm_id), entity, operation, natural_key, content] + ([f"refused-{attempt}"] if attempt else [])
    material = "\x1f".join(parts)
    digest = hashlib.sha256(material.encode("utf-8")).hexdigest()
    prefix = entity.lower()[:9]
    return f"{prefix}-{digest[: MAX_LENGTH - len(prefix) - 1]}"
