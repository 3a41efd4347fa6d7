"""The WSGI entry for gunicorn: ``gunicorn -k gevent 'webhook_app.wsgi:app'``.

Importing this module (and only this one) builds the app, from the configuration file
named by ``OMS_CONFIG`` (else ``./config.yaml``) with the environment's overrides.
Each gunicorn worker builds its own app and database pool after the fork, and so after
the gevent worker has patched the standard library: psycopg, imported here, then waits
for the database cooperatively (not with ``--preload``, which imports it before).
"""

from __future__ import annotations

from oms_connector.config import config_path, load_settings
from webhook_app import create_app

app = create_app(load_settings(config_path(None)))
