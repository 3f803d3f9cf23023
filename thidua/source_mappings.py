"""Re-export for tests not yet moved to thidua.operator.source_mappings (issue 28); import from there."""

from thidua.operator.source_mappings import run

__all__ = ["run"]
