"""Integration tests run against the session's real broker and database (fixtures in tests/conftest.py)."""

from tests.integration.evidence_support import evidence

__all__ = ["evidence"]
