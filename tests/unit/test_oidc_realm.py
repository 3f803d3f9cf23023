"""The test and demo realm's representation: the dashboard client, its mappers, groups and people."""

from __future__ import annotations

import json
from typing import Any

from thidua.operator.localinfra.oidc_realm import COUNCIL_GROUP, UNIT_HEAD_GROUP, Person, realm


def _realm(secret: str | None = "s3cret") -> dict[str, Any]:
    people = [
        Person("head", "pw-head", [UNIT_HEAD_GROUP], {"unit_code": "H40.11"}, "Lê", "Văn A"),
        Person("member", "pw-member", [COUNCIL_GROUP, "EXTRA"]),
    ]
    return realm(
        "demo",
        client_secret=secret,
        redirect_uris=["http://127.0.0.1:8000/auth/callback"],
        post_logout_uris=["http://127.0.0.1:8000/"],
        people=people,
    )


def test_confidential_client_with_pkce_and_standard_flow_only() -> None:
    (client,) = _realm()["clients"]
    assert client["clientId"] == "thidua-dashboard" and client["publicClient"] is False
    assert client["secret"] == "s3cret"
    assert client["standardFlowEnabled"] and not client["implicitFlowEnabled"]
    assert not client["directAccessGrantsEnabled"] and not client["serviceAccountsEnabled"]
    assert client["attributes"]["pkce.code.challenge.method"] == "S256"
    assert client["redirectUris"] == ["http://127.0.0.1:8000/auth/callback"]
    assert client["attributes"]["post.logout.redirect.uris"] == "http://127.0.0.1:8000/"


def test_without_a_secret_the_client_is_public() -> None:
    (client,) = _realm(None)["clients"]
    assert client["publicClient"] is True and "secret" not in client


def test_mappers_put_groups_unit_officer_and_the_api_audience_in_tokens() -> None:
    (client,) = _realm()["clients"]
    mappers = {m["name"]: m for m in client["protocolMappers"]}
    groups = mappers["groups"]
    assert groups["protocolMapper"] == "oidc-group-membership-mapper"
    assert groups["config"]["full.path"] == "false" and groups["config"]["claim.name"] == "groups"
    for name in ("unit_code", "officer_id"):
        config = mappers[name]["config"]
        assert mappers[name]["protocolMapper"] == "oidc-usermodel-attribute-mapper"
        assert config["user.attribute"] == config["claim.name"] == name
        assert config["id.token.claim"] == config["access.token.claim"] == config["userinfo.token.claim"] == "true"
    audience = mappers["audience-thidua-api"]["config"]
    assert audience["included.custom.audience"] == "thidua-api" and audience["access.token.claim"] == "true"


def test_groups_people_and_the_user_profile_keeping_attributes() -> None:
    built = _realm()
    assert [g["name"] for g in built["groups"]] == [COUNCIL_GROUP, UNIT_HEAD_GROUP, "EXTRA"]
    head, member = built["users"]
    assert head["username"] == "head" and head["attributes"] == {"unit_code": ["H40.11"]}
    assert head["groups"] == [f"/{UNIT_HEAD_GROUP}"] and head["firstName"] == "Lê"
    assert head["credentials"] == [{"type": "password", "value": "pw-head", "temporary": False}]
    assert member["groups"] == [f"/{COUNCIL_GROUP}", "/EXTRA"] and member["requiredActions"] == []
    (profile,) = built["components"]["org.keycloak.userprofile.UserProfileProvider"]
    config = json.loads(profile["config"]["kc.user.profile.config"][0])
    assert config["unmanagedAttributePolicy"] == "ENABLED"
    assert json.loads(json.dumps(built)) == built  # the admin API takes it as JSON
