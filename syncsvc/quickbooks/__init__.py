"""QuickBooks Online client layer on python-quickbooks 0.9.12 and intuit-oauth 1.2.6.

    client.py      open_company(settings) -> QuickBooksCompany; .client() -> SyncQuickBooks (one per thread)
    session.py     SyncQuickBooks: timeout, retries, per-company limits, status capture, typed errors
    access.py      CompanyTokens: refresh ahead of expiry / after 401, invalid_grant -> reconnect
    oauth.py       AuthClient with timeouts and a cached discovery document; code and refresh grants
    endpoints.py   configured URLs; plain http only for loopback
    transport.py   the OAuth2Session subclass that enforces that rule per session
    retry.py       the one retry policy (which errors, how long)
    limits.py      per-company rate and concurrency limiters
    errors.py      typed faults, classified by code in classify_fault
    requestids.py  deterministic requestids
    lookups.py     escaped queries, paging, finders
    writers.py     create/update with unknown-outcome resolution
    batch.py       batch create/update with per-item faults
    connecting.py  `syncsvc connect quickbooks` flows
"""
