"""Notify's HTTP answers: a unit's inbox, its push channels, the delivery listing and the operators' actions."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict

from schemas.http.common import Answer


class Notification(Answer):
    """One notification of an inbox (POST …/read answers one too); times as ISO 8601 strings."""

    id: int
    unit_id: str
    kind: str
    priority: str
    condition_key: str
    title: str
    body: str
    link: str | None
    # The alert's own facts (indicator, deadline, rank …): each kind of alert carries its own, by design.
    data: dict[str, Any]
    created_at: str
    read: bool
    read_at: str | None


class Inbox(Answer):
    """GET /v1/units/{unit_id}/notifications and GET /v1/admin/notifications: newest first, with the unread count."""

    unit_id: str
    unread_count: int
    items: list[Notification]


class Channels(Answer):
    """GET/PUT /v1/units/{unit_id}/channels: each registered channel's address field (None when unset), the webhook
    secret only as set/fingerprint, `updated_at` once stored and `webhook_secret` only in the PUT that set it.

    The address fields (webhook_url, email, zalo_user_id …) are notify's channel registry's: a new channel adds one
    without a change here, so they are open (extra allowed); notify answers through a subclass naming each one."""

    model_config = ConfigDict(extra="allow")

    unit_id: str
    inbox: bool
    webhook_secret_set: bool
    webhook_secret_fingerprint: str | None
    updated_at: str | None = None
    webhook_secret: str | None = None


class Delivery(Answer):
    """One push delivery in the operators' listing; times as ISO 8601 strings."""

    id: int
    notification_id: int
    unit_id: str
    channel: str
    target: str
    status: str
    attempts: int
    next_attempt_at: str
    last_error: str | None
    created_at: str
    sent_at: str | None
    parked_at: str | None
    title: str


class Deliveries(Answer):
    """GET /v1/deliveries: push deliveries, newest first."""

    items: list[Delivery]


class Retried(Answer):
    """POST /v1/deliveries/{id}/retry: the delivery is pending again."""

    id: int
    status: str


class Digests(Answer):
    """POST /v1/digests/run: the ids of the digest notifications assembled."""

    digests: list[int]
