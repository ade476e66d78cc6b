# syncsvc daemon: `syncsvc run` as a non-root user (uid 10001), state on a volume, secrets from the
# environment. The README's "Docker" section is the walk-through; `make image-check` builds this image
# and runs it against the built-in sandboxes (tests/image/image_check.py).
#
#   docker build -t syncsvc .
#   docker run -d --name syncsvc --restart unless-stopped -p 8080:8080 \
#       -v syncsvc-state:/var/lib/syncsvc -v "$PWD/syncsvc.toml:/etc/syncsvc/config.toml:ro" \
#       --env-file syncsvc.env syncsvc
#
# Secrets (never baked in; pass them with --env-file or -e at run time, to every command):
#   SYNCSVC_INFUSIONSOFT_API_KEY        Keap service account key (auth = "service_key" / "legacy_key")
#   SYNCSVC_INFUSIONSOFT_CLIENT_ID      Keap OAuth2 client id      (auth = "oauth")
#   SYNCSVC_INFUSIONSOFT_CLIENT_SECRET  Keap OAuth2 client secret  (auth = "oauth")
#   SYNCSVC_INFUSIONSOFT_REFRESH_TOKEN  first Keap refresh token, imported once (auth = "oauth")
#   SYNCSVC_QUICKBOOKS_CLIENT_ID        Intuit app client id
#   SYNCSVC_QUICKBOOKS_CLIENT_SECRET    Intuit app client secret
#   SYNCSVC_SECRET_KEY                  key that encrypts the stored OAuth tokens
# Other commands run through the same entry point with the same volume, config and secrets, e.g.
#   docker run --rm -v syncsvc-state:/var/lib/syncsvc -v "$PWD/syncsvc.toml:/etc/syncsvc/config.toml:ro" \
#       --env-file syncsvc.env syncsvc db upgrade

FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The user and its state directory (the volume). /etc/syncsvc/state leads there too: config-file paths
# are relative to the file's folder, so a config started from config.example.toml
# (database_url = "sqlite:///state/syncsvc.sqlite3") mounted at /etc/syncsvc/config.toml keeps its
# database on the volume, in the same file as the image's own config.
RUN groupadd --system --gid 10001 syncsvc \
    && useradd --system --uid 10001 --gid syncsvc --home-dir /var/lib/syncsvc --shell /usr/sbin/nologin syncsvc \
    && mkdir -p /var/lib/syncsvc /etc/syncsvc \
    && chown syncsvc:syncsvc /var/lib/syncsvc \
    && chmod 0700 /var/lib/syncsvc \
    && ln -s /var/lib/syncsvc /etc/syncsvc/state

WORKDIR /app
# Dependencies first, in a layer of their own that only a change to pyproject.toml rebuilds: a code
# change reuses it and downloads nothing. The list is read from pyproject.toml, so it cannot drift;
# the build backend is installed with it, so the install of the package below needs nothing from PyPI.
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb')); \
print('\n'.join(p['build-system']['requires'] + p['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY README.md alembic.ini ./
COPY syncsvc ./syncsvc
COPY migrations ./migrations
# Editable on purpose: `syncsvc db upgrade` (and the daemon's own upgrade) find the Alembic
# scripts in /app/migrations, beside the package (syncsvc/store/db.py MIGRATIONS_DIR).
# Compiled now, because the non-root user cannot write __pycache__ under /app.
RUN pip install --no-deps --no-build-isolation -e /app \
    && python -m compileall -q /app/syncsvc /app/migrations

COPY docker/config.toml /etc/syncsvc/config.toml
# Checks the state directory is writable (one line naming the fix if not), then execs syncsvc.
COPY docker/entrypoint.py /usr/local/bin/syncsvc-entrypoint
ENV SYNCSVC_CONFIG=/etc/syncsvc/config.toml

# The state database ([state].database_url in docker/config.toml) lives here.
VOLUME /var/lib/syncsvc
USER syncsvc
# The /healthz listener ([service].health_port in docker/config.toml).
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]

ENTRYPOINT ["syncsvc-entrypoint"]
CMD ["run"]
