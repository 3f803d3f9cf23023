"""Re-export for tests not yet moved to thidua.operator.demo (issue 28); import from there."""

from thidua.operator.demo import events
from thidua.operator.demo_units import province

__all__ = ["events", "province"]
