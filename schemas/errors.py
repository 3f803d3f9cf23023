"""Validation errors with the field path, as the contract's error documents carry them."""

from pydantic import BaseModel, ConfigDict


class FieldError(BaseModel):
    """One refused field: its dotted path (e.g. payload.channel) and the reason."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str
    message: str


class EvidenceInvalid(Exception):
    """An evidence envelope refused by the schemas, with every reason."""

    def __init__(self, details: list[FieldError]) -> None:
        super().__init__("; ".join(f"{d.field}: {d.message}" for d in details))
        self.details = details
