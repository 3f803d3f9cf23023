"""The demo province: its units and officers, their names, and the envelope every demo generator writes."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from schemas.vietnam import VN_TZ

VN = VN_TZ  # Vietnam time (schemas.vietnam), the demo's clock
Event = tuple[str, dict[str, Any]]
"""(channel, envelope): channel is "http" (POST /v1/events) or "kafka" (the source's topic)."""
SOURCE_ONE_STOP = "motcua-demo"
SOURCE_HR = "noivu-demo"
DEPARTMENTS = [
    "Sở Nội vụ",
    "Sở Tư pháp",
    "Sở Xây dựng",
    "Sở Tài chính",
    "Sở Y tế",
    "Sở Giáo dục và Đào tạo",
    "Sở Công Thương",
    "Sở Nông nghiệp và Môi trường",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Khoa học và Công nghệ",
    "Sở Dân tộc và Tôn giáo",
    "Văn phòng UBND tỉnh",
]
COMMUNES = [
    "Xã Mỹ Lộc",
    "Xã Nam Trực",
    "Xã Hải Hậu",
    "Xã Giao Thủy",
    "Xã Ý Yên",
    "Xã Vụ Bản",
    "Phường Nam Định",
    "Phường Thiên Trường",
    "Xã Trực Ninh",
    "Xã Xuân Trường",
    "Xã Nghĩa Hưng",
    "Phường Đông A",
    "Xã Hải Thịnh",
    "Xã Quất Lâm",
    "Xã Nghĩa Lâm",
    "Xã Cổ Lễ",
    "Xã Liễu Đề",
    "Xã Yên Cường",
    "Xã Hiển Khánh",
    "Xã Nam Điền",
    "Phường Mỹ Xá",
    "Phường Lộc Hòa",
    "Xã Hồng Thuận",
    "Xã Xuân Hưng",
]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
GIVEN = [
    "Văn An",
    "Thị Bình",
    "Minh Châu",
    "Thu Hà",
    "Quốc Huy",
    "Thị Lan",
    "Đức Mạnh",
    "Thanh Hương",
    "Văn Nam",
    "Ngọc Oanh",
    "Hữu Phúc",
    "Thị Quỳnh",
    "Văn Sơn",
    "Thị Thảo",
    "Anh Tuấn",
    "Thị Yến",
]


@dataclass(frozen=True)
class Unit:
    """A demo unit with its officers and its own shares of on-time, online and digitised dossiers."""

    unit_id: str
    name: str
    level: str
    cluster_id: str
    cluster_name: str
    officers: tuple[str, ...]
    on_time: float
    online: float
    digitised: float


def province(rng: random.Random) -> list[Unit]:
    """Two blocks of departments (khối sở) and two clusters of communes (cụm xã): 36 units, ~2,400 officers."""
    units = []
    for i, name in enumerate(DEPARTMENTS):
        cluster = (
            ("KHOI-SO-1", "Khối các sở quản lý kinh tế")
            if i % 2 == 0
            else ("KHOI-SO-2", "Khối các sở quản lý văn hóa – xã hội")
        )
        units.append(_unit(rng, f"H40.{10 + i:02d}", name, "department", cluster, 120))
    for i, name in enumerate(COMMUNES):
        cluster = ("CUM-XA-1", "Cụm xã, phường phía Bắc") if i < 12 else ("CUM-XA-2", "Cụm xã, phường phía Nam")
        units.append(_unit(rng, f"H40.40.{i + 1:02d}", name, "commune", cluster, 40))
    return units


def _unit(rng: random.Random, unit_id: str, name: str, level: str, cluster: tuple[str, str], size: int) -> Unit:
    officers = tuple(f"{unit_id.replace('.', '')}-CB{k:03d}" for k in range(1, size + rng.randint(-5, 5)))
    return Unit(
        unit_id,
        name,
        level,
        cluster[0],
        cluster[1],
        officers,
        on_time=rng.uniform(0.85, 0.995),
        online=rng.uniform(0.35, 0.8),
        digitised=rng.uniform(0.6, 0.95),
    )


def _at(day: datetime, hour: int) -> str:
    return day.replace(hour=hour, minute=0, second=0, microsecond=0).isoformat()


def _env(
    source: str,
    event_id: str,
    kind: str,
    unit: str,
    when: datetime,
    payload: dict[str, Any],
    officer: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": event_id,
        "type": kind,
        "schema_version": 1,
        "occurred_at": when.isoformat(),
        "unit_id": unit,
        "source": source,
        "payload": payload,
    }
    if officer:
        body["officer_id"] = officer
    return body
