"""Bounds on every value that comes from outside, in one place, each with its reason."""

from datetime import UTC, datetime, timedelta

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
"""No evidence predates the one-stop systems (and year 0001 overflows datetime arithmetic in every service)."""

LATEST = datetime(2100, 1, 1, tzinfo=UTC)
"""A static ceiling for models validated without a clock (year 9999 overflows period and calendar code)."""

FUTURE_HORIZON = timedelta(days=366)
"""Nothing in a payload is scheduled further ahead than a year (due dates, deadlines); checked against now."""

MAX_JSON_DEPTH = 16
"""An evidence document nests 5 levels (array, envelope, payload, findings, finding); deeper is hostile."""

MAX_STRING_CHARS = 20_000
"""Longer than any field of the contract allows; refused before any model looks at it."""

MAX_ABS_NUMBER = 1e15
"""Larger than any count, hour or score the contract carries; also keeps floats finite."""
