"""A hand-written OpenAPI description of the dashboard's forms and the pages they lead to, for schemathesis.

The dashboard publishes no OpenAPI document (it serves HTML); this one lists what a browser can send: the
sign-in, sign-out, vote and ratings-import forms (POST, each with its CSRF field) and the GET forms (the unit
search, the period pickers) with the pages whose paths carry a unit or nomination id. `csrf_token` is generated
as "CSRF" (replaced by the caller's live token, so requests get past the check) or "stale" (refused, 403)."""

from __future__ import annotations

from typing import Any

CSRF_PLACEHOLDER = "CSRF"
_CSRF: dict[str, Any] = {"type": "string", "enum": [CSRF_PLACEHOLDER, "stale"]}
_TEXT: dict[str, Any] = {"type": "string", "maxLength": 600}
_HTML = {"description": "a page", "content": {"text/html": {}}}


def _query(*names: str) -> list[dict[str, Any]]:
    return [{"name": n, "in": "query", "required": False, "schema": _TEXT} for n in names]


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}


def _form(properties: dict[str, Any], media: str = "application/x-www-form-urlencoded") -> dict[str, Any]:
    schema = {"type": "object", "properties": properties | {"csrf_token": _CSRF}, "required": ["csrf_token"]}
    return {"required": True, "content": {media: {"schema": schema}}}


def _get(*parameters: dict[str, Any]) -> dict[str, Any]:
    return {"get": {"parameters": list(parameters), "responses": {"default": _HTML}}}


def _post(body: dict[str, Any], *parameters: dict[str, Any]) -> dict[str, Any]:
    return {"post": {"parameters": list(parameters), "requestBody": body, "responses": {"default": _HTML}}}


def forms_schema() -> dict[str, Any]:
    """OpenAPI 3.0 of the dashboard's forms."""
    unit, nomination = _path("unit_id"), _path("nomination_id")
    paths: dict[str, Any] = {
        "/sign-in": _post(_form({"token": _TEXT, "next": _TEXT})),
        "/sign-out": _post(_form({})),
        "/nominations/{nomination_id}/votes": _post(
            _form(
                {
                    "members_total": _TEXT,
                    "members_present": _TEXT,
                    "votes_for": _TEXT,
                    "decision_date": _TEXT,
                }
            ),
            nomination,
        ),
        "/ratings/import": _post(
            _form({"file": {"type": "string", "format": "binary", "maxLength": 4096}}, "multipart/form-data")
        ),
        "/": _get(*_query("period")),
        "/units": _get(*_query("unit_id", "period")),
        "/units/{unit_id}": _get(unit, *_query("period")),
        "/units/{unit_id}/events": _get(unit, *_query("indicator", "period")),
        "/units/{unit_id}/officers": _get(unit, *_query("period")),
        "/units/{unit_id}/inbox": _get(unit),
        "/nominations": _get(*_query("period")),
        "/nominations/preview": _get(*_query("period", "unit")),
        "/nominations/{nomination_id}": _get(nomination),
        "/partials/leaderboards": _get(*_query("period")),
    }
    return {"openapi": "3.0.3", "info": {"title": "dashboard forms", "version": "1"}, "paths": paths}
