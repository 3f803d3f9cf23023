"""HTTP face of the operator's mappings for the national portal's door (admin): a source's unit codes and
upstream user names."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from schemas.http.evidence import OfficerUser, OfficerUsers, UnitCode, UnitCodes
from services.evidence.adapters.store import PostgresEvidenceStore
from services.evidence.handlers import mappings
from services.evidence.store import Kind
from thidua.runtime.auth import Principal
from thidua.runtime.http import ApiError, OptionalCaller, require, runtime_of


class UnitTarget(BaseModel):
    """PUT …/unit-codes/{code}: the unit the upstream code stands for."""

    model_config = ConfigDict(extra="forbid")

    unit_id: StrictStr = Field(max_length=200, description="one of the units the source is registered for")


class OfficerTarget(BaseModel):
    """PUT …/officer-users/{username}: the officer the upstream user name stands for."""

    model_config = ConfigDict(extra="forbid")

    officer_id: StrictStr = Field(max_length=200, description="our officer id (its home unit covered by the source)")


router = APIRouter(prefix="/v1/sources/{source}", tags=["mappings"])


async def admin(principal: OptionalCaller) -> Principal:
    """The caller, when the policy says it is an admin; 401/403 otherwise."""
    return require(principal, roles=("admin",))


Admin = Annotated[Principal, Depends(admin)]


async def run(request: Request, call: Any) -> Any:
    """Run a mapping use case on the store; its refusal answered with its status and field."""
    try:
        async with runtime_of(request).pool.acquire() as conn:
            return await call(PostgresEvidenceStore(conn))
    except mappings.MappingRefused as exc:
        raise ApiError(exc.status, exc.error, [exc.problem.model_dump()]) from exc


async def listed(request: Request, kind: Kind, source: str) -> dict[str, Any]:
    """A source's mappings of one kind."""
    rows = await run(request, lambda store: mappings.list_mappings(store, kind, source))
    return {"source": source, "unit_codes" if kind == "unit" else "officer_users": rows}


@router.get(
    "/unit-codes",
    summary="The source's upstream unit codes and the units they stand for (admin)",
    response_model=UnitCodes,
)
async def get_unit_codes(request: Request, source: str, _: Admin) -> dict[str, Any]:
    return await listed(request, "unit", source)


# {code:path}: an upstream code may hold a '/', sent encoded; it is the path's last segment.
@router.put(
    "/unit-codes/{code:path}",
    summary="Map an upstream unit code (madonvi, MaDonVi) to a unit the source covers (admin)",
    responses={404: {}, 422: {}},
    response_model=UnitCode,
)
async def put_unit_code(request: Request, source: str, code: str, body: UnitTarget, _: Admin) -> dict[str, Any]:
    return dict(await run(request, lambda store: mappings.put_mapping(store, "unit", source, code, body.unit_id)))


@router.delete(
    "/unit-codes/{code:path}",
    summary="Forget an upstream unit code's mapping (admin)",
    responses={404: {}},
    response_model=UnitCode,
    response_model_exclude_unset=True,
)
async def delete_unit_code(request: Request, source: str, code: str, _: Admin) -> dict[str, Any]:
    return dict(await run(request, lambda store: mappings.remove_mapping(store, "unit", source, code)))


@router.get(
    "/officer-users",
    summary="The source's upstream user names and the officers they stand for (admin)",
    response_model=OfficerUsers,
)
async def get_officer_users(request: Request, source: str, _: Admin) -> dict[str, Any]:
    return await listed(request, "officer", source)


@router.put(
    "/officer-users/{username:path}",
    summary="Map an upstream user name (NguoiXuLy) to an officer the source may name (admin)",
    responses={404: {}, 422: {}},
    response_model=OfficerUser,
)
async def put_officer_user(
    request: Request, source: str, username: str, body: OfficerTarget, _: Admin
) -> dict[str, Any]:
    return dict(
        await run(request, lambda store: mappings.put_mapping(store, "officer", source, username, body.officer_id))
    )


@router.delete(
    "/officer-users/{username:path}",
    summary="Forget an upstream user name's mapping (admin)",
    responses={404: {}},
    # A removed mapping has no `replaced`: unset fields stay out of the answer.
    response_model=OfficerUser,
    response_model_exclude_unset=True,
)
async def delete_officer_user(request: Request, source: str, username: str, _: Admin) -> dict[str, Any]:
    return dict(await run(request, lambda store: mappings.remove_mapping(store, "officer", source, username)))
