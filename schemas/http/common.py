"""Answers every service gives: the error document, who a bearer speaks for, a recorded sign-in."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer

from schemas.errors import FieldError

# A moment is sent as Python's isoformat (the offset written "+00:00", never pydantic's "Z"), as every answer was
# written before it was typed.
Moment = Annotated[datetime, PlainSerializer(lambda d: d.isoformat(), return_type=str)]
# A number is sent as it was computed: an int stays an int (a whole cash multiple stays 1, never 1.0), a float a
# float — int first in the union.
Num = int | float


class Answer(BaseModel):
    """Base of every HTTP answer model, frozen (answers are read, never changed).

    A key the model does not know is left out, never an error: a service serving a stored answer an older version
    wrote would otherwise answer 500, and a dashboard older than a service (the contract grows by fields) would refuse
    its answers. That a model sends every key the routes send is the golden test's and the answer tests' to say."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class ErrorBody(Answer):
    """The contract's error document: {"error", "details": [{"field", "message"}]}."""

    error: str
    details: list[FieldError] = []


class Whoami(Answer):
    """GET /v1/whoami: the role and what it speaks for (a provider's person: subject, role person when unmapped)."""

    role: str
    unit_id: str | None = None
    source: str | None = None
    officer_id: str | None = None
    token_id: int | None = None
    subject: str | None = None


class SignIn(Whoami):
    """POST /v1/sign-ins: the whoami answer and the number of the recorded sign-in."""

    sign_in_id: int
