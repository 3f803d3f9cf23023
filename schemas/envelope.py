"""The fields every evidence event carries, and the registry of evidence types."""

from collections.abc import Iterable
from typing import Annotated, Any, TypeVar, Union, get_args

from pydantic import Field, TypeAdapter

from schemas.common import EventId, OfficerId, SchemaVersion, SourceName, Strict, Timestamp, UnitId


class Envelope(Strict):
    """Fields every evidence event carries (docs/contract.md, "Evidence envelope")."""

    event_id: EventId
    schema_version: SchemaVersion
    occurred_at: Timestamp
    unit_id: UnitId
    officer_id: OfficerId | None = None
    source: SourceName | None = None


class OfficerEnvelope(Envelope):
    """An envelope whose type is about a named officer: officer_id is required."""

    officer_id: OfficerId


E = TypeVar("E", bound=Envelope)


def tag_of(cls: type[Envelope]) -> str:
    """The `type` tag of an envelope class (its discriminator's one value)."""
    (tag,) = get_args(cls.model_fields["type"].annotation)
    return str(tag)


class EvidenceTypes:
    """The evidence types the envelope's validation accepts: tag -> envelope class, in registration order."""

    def __init__(self, classes: Iterable[type[Envelope]] = ()) -> None:
        self._classes: dict[str, type[Envelope]] = {}
        self._adapter: tuple[tuple[type[Envelope], ...], TypeAdapter[Any]] | None = None
        for cls in classes:
            self.register(cls)

    def register(self, cls: type[E]) -> type[E]:
        """Accept cls's type from now on (usable as a decorator); a tag another class holds is refused."""
        if not {"type", "payload"} <= set(cls.model_fields):
            raise TypeError(f"{cls.__name__} is not an evidence type: it needs a `type` literal and a `payload`")
        tag = tag_of(cls)
        held = self._classes.get(tag)
        if held is not None and held is not cls:
            raise ValueError(f"evidence type {tag!r} is already registered by {held.__name__}")
        self._classes[tag] = cls
        return cls

    def copy(self) -> "EvidenceTypes":
        """Another registry with the same types (registering in it leaves this one as it is)."""
        return EvidenceTypes(self.classes)

    @property
    def classes(self) -> tuple[type[Envelope], ...]:
        """The envelope classes, in registration order."""
        return tuple(self._classes.values())

    @property
    def tags(self) -> tuple[str, ...]:
        """The types' tags, in registration order."""
        return tuple(self._classes)

    def adapter(self) -> TypeAdapter[Any]:
        """A validator of any registered type, choosing the class by `type` (built once per set of types)."""
        classes = self.classes
        if self._adapter is None or self._adapter[0] != classes:
            # Built at run time from the registered classes: no static type to name (hence Any).
            union: Any = Annotated[Union[classes], Field(discriminator="type")]  # noqa: UP007
            self._adapter = (classes, TypeAdapter(union))
        return self._adapter[1]
