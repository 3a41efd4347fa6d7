"""The drills' fixtures (secrets in the environment) serve the security checks too."""

from tests.drills.conftest import secrets

__all__ = ["secrets"]
