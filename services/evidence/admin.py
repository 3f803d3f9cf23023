"""Compatibility names for operator tasks while callers move (thidua/cli.py, localinfra/stack.py, parked.py).

Source registration lives in services.evidence.handlers.sources; token administration in thidua.runtime.tokens.
"""

from services.evidence.handlers.sources import SourceCredentials, add_source, register_source
from thidua.runtime.tokens import add_token, issue_token, list_tokens, revoke_token, rotate_token

__all__ = [
    "SourceCredentials",
    "add_source",
    "add_token",
    "issue_token",
    "list_tokens",
    "register_source",
    "revoke_token",
    "rotate_token",
]
