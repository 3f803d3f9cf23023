"""Re-export for tests not yet moved to thidua.operator.localinfra.process (issue 28); import from there."""

from thidua.operator.localinfra.process import free_port

__all__ = ["free_port"]
