"""Re-export for tests not yet moved to thidua.operator.localinfra.oidc_realm (issue 28); import from there."""

from thidua.operator.localinfra.oidc_realm import COUNCIL_GROUP, UNIT_HEAD_GROUP, Person

__all__ = ["COUNCIL_GROUP", "UNIT_HEAD_GROUP", "Person"]
