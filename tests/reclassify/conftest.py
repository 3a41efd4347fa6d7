"""Reclassification runs on the stores the service tests use (the ``store`` fixture of
``tests/conftest.py``: the in-memory fake, then the SQL store of each backend) and on
their fixed clock."""

from tests.services.conftest import clock

__all__ = ["clock"]
