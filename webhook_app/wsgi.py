"""The WSGI entry for gunicorn: ``gunicorn -k gevent 'webhook_app.wsgi:app'``.

Importing this module (and only this one) builds the app, from the configuration file
named by ``OMS_CONFIG`` (else ``./config.yaml``) with the environment's overrides.
Each gunicorn worker builds its own app and database pool after the fork, and so after
the gevent worker has patched the standard library: psycopg, imported here, then waits
for the database cooperatively (not with ``--preload``, which imports it before).

``kill -HUP`` on gunicorn's master starts new workers, which import this module again
and so read the file again; ``/readyz`` reports the hash of the file each one read.
"""

from __future__ import annotations

from oms_connector.config import CurrentConfig, config_path, load_config
from webhook_app import create_app
from webhook_app.dependencies import build_services

_config = CurrentConfig(load_config(config_path(None)))
_settings = _config.current().settings
app = create_app(_settings, build_services(_settings, _config))
