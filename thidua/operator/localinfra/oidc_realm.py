"""A Keycloak realm representation for the tests and the demo: one dashboard client, groups, people (pure)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

COUNCIL_GROUP = "TĐKT-HĐ"
UNIT_HEAD_GROUP = "LANH-DAO-DON-VI"
GROUPS = (COUNCIL_GROUP, UNIT_HEAD_GROUP)
ATTRIBUTES = ("unit_code", "officer_id")
"""The person attributes the dashboard's claims carry (declared to Keycloak's user profile below)."""


@dataclass(frozen=True)
class Person:
    """One person of the realm: a sign-in name and password, groups and attributes (unit_code, officer_id)."""

    username: str
    password: str
    groups: Sequence[str] = ()
    attributes: Mapping[str, str] = field(default_factory=dict)
    first_name: str = ""
    last_name: str = ""


def _mapper(name: str, kind: str, config: dict[str, str]) -> dict[str, Any]:
    return {"name": name, "protocol": "openid-connect", "protocolMapper": kind, "config": config}


def _claims_in_all_tokens() -> dict[str, str]:
    return {"id.token.claim": "true", "access.token.claim": "true", "userinfo.token.claim": "true"}


def _mappers(audience: str) -> list[dict[str, Any]]:
    """groups, unit_code, officer_id in the ID and access tokens and userinfo; the API's audience on access tokens."""
    groups = {"claim.name": "groups", "full.path": "false", "multivalued": "true", **_claims_in_all_tokens()}
    mappers = [_mapper("groups", "oidc-group-membership-mapper", groups)]
    for attribute in ATTRIBUTES:
        config = {
            "user.attribute": attribute,
            "claim.name": attribute,
            "jsonType.label": "String",
            "multivalued": "false",
            **_claims_in_all_tokens(),
        }
        mappers.append(_mapper(attribute, "oidc-usermodel-attribute-mapper", config))
    audience_config = {
        "included.custom.audience": audience,
        "id.token.claim": "false",
        "access.token.claim": "true",
        "introspection.token.claim": "true",
    }
    mappers.append(_mapper("audience-" + audience, "oidc-audience-mapper", audience_config))
    return mappers


def _client(
    client_id: str, secret: str | None, redirect_uris: Sequence[str], post_logout: Sequence[str], audience: str
) -> dict[str, Any]:
    return {
        "clientId": client_id,
        "name": "Thi đua dashboard",
        "enabled": True,
        "protocol": "openid-connect",
        "publicClient": secret is None,
        **({"secret": secret, "clientAuthenticatorType": "client-secret"} if secret is not None else {}),
        "standardFlowEnabled": True,
        "implicitFlowEnabled": False,
        "directAccessGrantsEnabled": False,
        "serviceAccountsEnabled": False,
        "redirectUris": list(redirect_uris),
        "webOrigins": ["+"],
        "frontchannelLogout": False,
        "attributes": {
            "pkce.code.challenge.method": "S256",
            "post.logout.redirect.uris": "##".join(post_logout),
        },
        "protocolMappers": _mappers(audience),
    }


def _user(person: Person) -> dict[str, Any]:
    return {
        "username": person.username,
        "enabled": True,
        "email": f"{person.username}@example.invalid",
        "emailVerified": True,
        "firstName": person.first_name or person.username,
        "lastName": person.last_name or "Thi đua",
        "attributes": {name: [value] for name, value in person.attributes.items()},
        "groups": [f"/{group}" for group in person.groups],
        "credentials": [{"type": "password", "value": person.password, "temporary": False}],
        "requiredActions": [],
    }


def _profile_attribute(name: str) -> dict[str, Any]:
    return {"name": name, "permissions": {"view": ["admin", "user"], "edit": ["admin", "user"]}, "multivalued": False}


def _user_profile() -> dict[str, Any]:
    """Keycloak 26 drops attributes its user profile does not know: unmanaged ones (unit_code, officer_id) are kept."""
    profile = {
        "attributes": [_profile_attribute(n) for n in ("username", "email", "firstName", "lastName")],
        "unmanagedAttributePolicy": "ENABLED",
    }
    component = {
        "providerId": "declarative-user-profile",
        "subComponents": {},
        "config": {"kc.user.profile.config": [json.dumps(profile)]},
    }
    return {"org.keycloak.userprofile.UserProfileProvider": [component]}


def realm(
    name: str,
    *,
    client_id: str = "thidua-dashboard",
    client_secret: str | None,
    redirect_uris: Sequence[str],
    post_logout_uris: Sequence[str] = (),
    people: Sequence[Person] = (),
    audience: str = "thidua-api",
    groups: Sequence[str] = GROUPS,
) -> dict[str, Any]:
    """The realm's representation for Keycloak's admin API (POST /admin/realms)."""
    wanted = list(dict.fromkeys([*groups, *(g for p in people for g in p.groups)]))
    return {
        "realm": name,
        "enabled": True,
        "displayName": "Thi đua",
        "sslRequired": "none",
        "registrationAllowed": False,
        "loginWithEmailAllowed": False,
        "bruteForceProtected": False,
        "accessTokenLifespan": 300,
        "ssoSessionIdleTimeout": 1800,
        "groups": [{"name": group, "path": f"/{group}"} for group in wanted],
        "clients": [_client(client_id, client_secret, redirect_uris, post_logout_uris or redirect_uris, audience)],
        "users": [_user(person) for person in people],
        "components": _user_profile(),
    }
