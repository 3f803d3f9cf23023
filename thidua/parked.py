"""Re-export for tests not yet moved to thidua.operator.parked (issue 28); import from there."""

from thidua.operator.parked import listing

__all__ = ["listing"]
