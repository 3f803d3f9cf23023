"""HTTP face of scoring: its routers by resource, at module level (their dependencies read the app's state)."""

from fastapi import APIRouter

from services.scoring import agency_api, events_api, reconcile_api, scorecard_api, standings_api, tracking_api

ROUTERS: tuple[APIRouter, ...] = tuple(
    m.router for m in (standings_api, scorecard_api, events_api, tracking_api, agency_api, reconcile_api)
)
