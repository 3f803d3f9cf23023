"""Re-export for tests not yet moved to thidua.operator.localinfra.postgres (issue 28); import from there."""

from thidua.operator.localinfra.postgres import LocalPostgres

__all__ = ["LocalPostgres"]
