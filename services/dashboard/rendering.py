"""The Jinja2 templates (autoescaped) with the Vietnamese formats as filters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.dashboard import charts, formatting, pages

SITE_TITLE = "Thi đua — Văn hóa công sở"
TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def environment() -> Environment:
    """Templates from templates/, HTML escaped everywhere, the formats as filters."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": False}
    env.filters.update(formatting.FILTERS)
    env.globals.update(
        site_title=SITE_TITLE,
        query=formatting.query,
        period_year=formatting.period_year,
        movement=pages.movement,
        is_share=pages.is_share,
        cluster_title=pages.cluster_title,
        band_chart=charts.band_chart,
        trend_chart=charts.trend,
        month_labels=charts.month_labels,
        evidence_names=formatting.EVIDENCE_NAMES,
        subject_names=formatting.SUBJECT_NAMES,
        role_names=formatting.ROLE_NAMES,
        NO_DATA=formatting.NO_DATA,
    )
    return env


ENV = environment()


def render(template: str, **context: Any) -> str:
    """A whole page or a fragment."""
    return ENV.get_template(template).render(**context)
