# syncsvc daemon: `syncsvc run` as a non-root user, state on a volume, secrets from the environment.
#
#   docker build -t syncsvc .
#   docker run -d --name syncsvc -v syncsvc-state:/var/lib/syncsvc --env-file syncsvc.env -p 8080:8080 syncsvc
#
# Secrets (never baked in; pass them with -e or --env-file at run time):
#   SYNCSVC_INFUSIONSOFT_API_KEY        Keap service account key (auth = "service_key" / "legacy_key")
#   SYNCSVC_INFUSIONSOFT_CLIENT_ID      Keap OAuth2 client id      (auth = "oauth")
#   SYNCSVC_INFUSIONSOFT_CLIENT_SECRET  Keap OAuth2 client secret  (auth = "oauth")
#   SYNCSVC_INFUSIONSOFT_REFRESH_TOKEN  first Keap refresh token, imported once (auth = "oauth")
#   SYNCSVC_QUICKBOOKS_CLIENT_ID        Intuit app client id
#   SYNCSVC_QUICKBOOKS_CLIENT_SECRET    Intuit app client secret
#   SYNCSVC_SECRET_KEY                  key that encrypts the stored OAuth tokens
# Other commands run through the same entry point, e.g. once, before the daemon:
#   docker run --rm -it -v syncsvc-state:/var/lib/syncsvc --env-file syncsvc.env syncsvc \
#       connect quickbooks --realm-id 1234 --refresh-token ...

FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY syncsvc ./syncsvc
COPY migrations ./migrations
# Editable on purpose: `syncsvc db upgrade` (and the daemon's own upgrade) find the Alembic
# scripts in /app/migrations, beside the package (syncsvc/store/db.py MIGRATIONS_DIR).
# Compiled now, because the non-root user cannot write __pycache__ under /app.
RUN pip install -e /app && python -m compileall -q /app/syncsvc /app/migrations

RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/syncsvc --shell /usr/sbin/nologin syncsvc \
    && mkdir -p /var/lib/syncsvc \
    && chown syncsvc:syncsvc /var/lib/syncsvc
COPY docker/config.toml /etc/syncsvc/config.toml
ENV SYNCSVC_CONFIG=/etc/syncsvc/config.toml

# The state database ([state].database_url in docker/config.toml) lives here.
VOLUME /var/lib/syncsvc
USER syncsvc
# The /healthz listener ([service].health_port in docker/config.toml).
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]

ENTRYPOINT ["syncsvc"]
CMD ["run"]
