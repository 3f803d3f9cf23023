"""Re-export for tests not yet moved to thidua.operator.localinfra.keycloak (issue 28); import from there."""

from thidua.operator.localinfra.keycloak import KeycloakAdmin

__all__ = ["KeycloakAdmin"]
