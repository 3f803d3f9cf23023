"""HTTP face of the operator's mappings for the national portal's door (admin): a source's unit codes and
upstream user names."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from services.evidence.adapters.mappings import Kind
from services.evidence.handlers import mappings
from thidua.runtime.auth import Principal
from thidua.runtime.http import ApiError, bearer, require
from thidua.runtime.service import Runtime


class UnitTarget(BaseModel):
    """PUT …/unit-codes/{code}: the unit the upstream code stands for."""

    model_config = ConfigDict(extra="forbid")

    unit_id: StrictStr = Field(max_length=200, description="one of the units the source is registered for")


class OfficerTarget(BaseModel):
    """PUT …/officer-users/{username}: the officer the upstream user name stands for."""

    model_config = ConfigDict(extra="forbid")

    officer_id: StrictStr = Field(max_length=200, description="our officer id (its home unit covered by the source)")


def router(runtime: Runtime) -> APIRouter:
    """The mapping endpoints, admin only, bound to the service's runtime."""
    api = APIRouter(prefix="/v1/sources/{source}", tags=["mappings"])
    optional = bearer(runtime)

    async def admin(principal: Annotated[Principal | None, Depends(optional)]) -> Principal:
        return require(principal, roles=("admin",))

    Admin = Annotated[Principal, Depends(admin)]

    async def run(call: Any) -> Any:
        try:
            async with runtime.pool.acquire() as conn:
                return await call(conn)
        except mappings.MappingRefused as exc:
            raise ApiError(exc.status, exc.error, [exc.problem.model_dump()]) from exc

    async def listed(kind: Kind, source: str) -> dict[str, Any]:
        rows = await run(lambda conn: mappings.list_mappings(conn, kind, source))
        return {"source": source, "unit_codes" if kind == "unit" else "officer_users": rows}

    @api.get("/unit-codes", summary="The source's upstream unit codes and the units they stand for (admin)")
    async def get_unit_codes(source: str, _: Admin) -> dict[str, Any]:
        return await listed("unit", source)

    # {code:path}: an upstream code may hold a '/', sent encoded; it is the path's last segment.
    @api.put(
        "/unit-codes/{code:path}",
        summary="Map an upstream unit code (madonvi, MaDonVi) to a unit the source covers (admin)",
        responses={404: {}, 422: {}},
    )
    async def put_unit_code(source: str, code: str, body: UnitTarget, _: Admin) -> dict[str, Any]:
        return dict(await run(lambda conn: mappings.put_mapping(conn, "unit", source, code, body.unit_id)))

    @api.delete(
        "/unit-codes/{code:path}", summary="Forget an upstream unit code's mapping (admin)", responses={404: {}}
    )
    async def delete_unit_code(source: str, code: str, _: Admin) -> dict[str, Any]:
        return dict(await run(lambda conn: mappings.remove_mapping(conn, "unit", source, code)))

    @api.get("/officer-users", summary="The source's upstream user names and the officers they stand for (admin)")
    async def get_officer_users(source: str, _: Admin) -> dict[str, Any]:
        return await listed("officer", source)

    @api.put(
        "/officer-users/{username:path}",
        summary="Map an upstream user name (NguoiXuLy) to an officer the source may name (admin)",
        responses={404: {}, 422: {}},
    )
    async def put_officer_user(source: str, username: str, body: OfficerTarget, _: Admin) -> dict[str, Any]:
        return dict(await run(lambda conn: mappings.put_mapping(conn, "officer", source, username, body.officer_id)))

    @api.delete(
        "/officer-users/{username:path}", summary="Forget an upstream user name's mapping (admin)", responses={404: {}}
    )
    async def delete_officer_user(source: str, username: str, _: Admin) -> dict[str, Any]:
        return dict(await run(lambda conn: mappings.remove_mapping(conn, "officer", source, username)))

    return api
