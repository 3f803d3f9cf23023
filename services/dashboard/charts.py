"""Chart geometry (pure): the templates draw it as inline SVG, so the charts work offline and print."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from schemas.labels import BANDS
from services.dashboard.formatting import NO_DATA, band_colour, number, score


@dataclass(frozen=True)
class Bar:
    """One bar of the band distribution."""

    band: str
    count: int
    x: float
    y: float
    width: float
    height: float
    colour: str


@dataclass(frozen=True)
class BandChart:
    """How many units sit in each band: the four bands, then any unknown."""

    width: int
    height: int
    bars: list[Bar]


def band_chart(bands: Iterable[str | None], *, width: int = 320, height: int = 150) -> BandChart:
    """Bars of the band distribution (the rows' bands), one per band (the four, then any unknown one)."""
    counts: dict[str, int] = dict.fromkeys(BANDS, 0)
    for band in bands:
        key = str(band) if band not in (None, "") else NO_DATA
        counts[key] = counts.get(key, 0) + 1
    top = max(counts.values()) or 1
    pad_top, pad_bottom, gap = 18, 22, 10
    bar_w = (width - gap * (len(counts) + 1)) / len(counts)
    plot_h = height - pad_top - pad_bottom
    bars = []
    for i, (band, count) in enumerate(counts.items()):
        h = plot_h * count / top
        bars.append(Bar(band, count, gap + i * (bar_w + gap), pad_top + plot_h - h, bar_w, h, band_colour(band)))
    return BandChart(width, height, bars)


@dataclass(frozen=True)
class Point:
    """One month's score on the trend."""

    x: float
    y: float
    label: str
    value: str


@dataclass(frozen=True)
class Trend:
    """A line of the score month by month; a missing month breaks the line."""

    width: int
    height: int
    left: int
    right: int
    baseline: float
    ticks: list[tuple[float, str]]
    labels: list[tuple[float, str]]
    segments: list[str] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)


def trend(
    values: Sequence[float | None], labels: Sequence[str], *, width: int = 640, height: int = 220, top: float = 100.0
) -> Trend:
    """The geometry of the monthly trend on a 0..top scale (higher scores drawn higher)."""
    n = len(values)
    left, right, pad_top, bottom = 36, 12, 12, 28
    plot_w = width - left - right
    plot_h = height - pad_top - bottom
    scale_top = max([top, *(v for v in values if v is not None)])

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)
        return round(x, 1), round(pad_top + plot_h * (1 - max(v, 0.0) / scale_top), 1)

    ticks = [(xy(0, t * scale_top / 100)[1], number(t * scale_top / 100, 0)) for t in (0, 25, 50, 75, 100)]
    segments: list[str] = []
    current: list[str] = []
    points: list[Point] = []
    for i, v in enumerate(values):
        label = labels[i] if i < len(labels) else str(i + 1)
        if v is None:
            if len(current) > 1:
                segments.append(" ".join(current))
            current = []
            continue
        x, y = xy(i, v)
        current.append(f"{x},{y}")
        points.append(Point(x, y, label, score(v)))
    if len(current) > 1:
        segments.append(" ".join(current))
    axis = [(xy(i, 0)[0], labels[i] if i < len(labels) else str(i + 1)) for i in range(n)]
    return Trend(width, height, left, right, pad_top + plot_h, ticks, axis, segments, points)


def month_labels() -> list[str]:
    """T1..T12."""
    return [f"T{m}" for m in range(1, 13)]
