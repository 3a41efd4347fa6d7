"""Reclassification runs on the stores the service tests use: the in-memory fake, then
the SQL store of each backend (a SQLite file, then a PostgreSQL schema)."""

from tests.services.conftest import clock, store

__all__ = ["clock", "store"]
