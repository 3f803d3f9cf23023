"""The issuer of documents is the province's (issue 24, item 1): one setting group names it, defaulting to the demo
province after the merger of 1 July 2025, and no template or module under services/ or schemas/ names a province."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.dashboard.config import Settings
from services.dashboard.documents import Issuer, issuer_of

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("services", "schemas")
SUFFIXES = frozenset({".py", ".html", ".j2", ".jinja", ".toml", ".json", ".txt"})
"""Modules, templates, rule files and the exported schemas: everything that can put words in a document."""
ISSUER_DEFAULTS = ("issuer_province", "issuer_agency", "issuer_place", "issuer_body")
"""The settings whose defaults are the one place a province may be named."""

PROVINCES = (
    # The 63 provincial units before 1 July 2025 (the 34 after it keep one of these names; "Huế" since 2025).
    "An Giang", "Bà Rịa - Vũng Tàu", "Vũng Tàu", "Bạc Liêu", "Bắc Giang", "Bắc Kạn", "Bắc Ninh", "Bến Tre",
    "Bình Dương", "Bình Định", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng", "Cần Thơ", "Đà Nẵng", "Đắk Lắk",
    "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang", "Hà Nam", "Hà Nội", "Hà Tĩnh",
    "Hải Dương", "Hải Phòng", "Hậu Giang", "Hòa Bình", "Hưng Yên", "Khánh Hòa", "Kiên Giang", "Kon Tum", "Lai Châu",
    "Lâm Đồng", "Lạng Sơn", "Lào Cai", "Long An", "Nam Định", "Nghệ An", "Ninh Bình", "Ninh Thuận", "Phú Thọ",
    "Phú Yên", "Quảng Bình", "Quảng Nam", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh",
    "Thái Bình", "Thái Nguyên", "Thanh Hóa", "Thừa Thiên Huế", "Huế", "Tiền Giang", "Trà Vinh", "Tuyên Quang",
    "Vĩnh Long", "Vĩnh Phúc", "Yên Bái", "Thành phố Hồ Chí Minh", "TP. Hồ Chí Minh", "TP Hồ Chí Minh",
)  # fmt: skip
# Whole words, any case ("NAM ĐỊNH" in a heading); both spellings of the tone mark ("Hòa"/"Hoà", "Thủy"/"Thuỷ").
_SPELLINGS = {n.replace("òa", "oà").replace("óa", "oá") for n in PROVINCES} | set(PROVINCES)
PROVINCE = re.compile(
    r"(?<!\w)(" + "|".join(re.escape(n) for n in sorted(_SPELLINGS, key=len, reverse=True)) + r")(?!\w)",
    re.IGNORECASE,
)


def _named(text: str) -> list[str]:
    return [m.group(0) for m in PROVINCE.finditer(text)]


def _without_issuer_defaults(text: str) -> str:
    """config.py's text without the string defaults of the issuer settings (each removed once, where it stands)."""
    for name in ISSUER_DEFAULTS:
        default = Settings.model_fields[name].default
        if isinstance(default, str):
            text = text.replace(f'{name}: Name = "{default}"', f"{name}: Name = ...", 1)
    return text


def test_the_scan_finds_a_province_in_any_spelling_and_case() -> None:
    assert _named('parent: str = "UBND TỈNH NAM ĐỊNH"') == ["NAM ĐỊNH"]
    assert _named("place = 'Hải Phòng'; x = 'tỉnh Hà Nam.'") == ["Hải Phòng", "Hà Nam"]
    assert _named("Hoà Bình, Thanh Hoá") == ["Hoà Bình", "Thanh Hoá"]
    assert _named("Khánh Hòa and tư tưởng Hồ Chí Minh and Hà Namm") == ["Khánh Hòa"]
    assert _without_issuer_defaults('    issuer_province: Name = "Ninh Bình"\n') == "    issuer_province: Name = ...\n"


def test_no_template_or_module_names_a_province_but_the_issuer_settings() -> None:
    found = []
    for package in SCANNED:
        for path in sorted((ROOT / package).rglob("*")):
            if not path.is_file() or path.suffix not in SUFFIXES or "__pycache__" in path.parts:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            if path == ROOT / "services/dashboard/config.py":
                text = _without_issuer_defaults(text)
            for number, line in enumerate(text.splitlines(), start=1):
                found += [f"{path.relative_to(ROOT)}:{number}: {name}" for name in _named(line)]
    assert not found, "a province is named in code; take it from the issuer settings (WEB_ISSUER_*):\n" + "\n".join(
        found
    )


def test_the_issuer_defaults_to_ninh_binh_after_the_merger() -> None:
    issuer = issuer_of(Settings())
    assert issuer == Issuer(
        parent="UBND TỈNH NINH BÌNH",
        body="HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG",
        place="Ninh Bình",
        province="tỉnh Ninh Bình",
        capacity=("TM. HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG", "CHỦ TỊCH"),
        signer="",
    )


def test_one_setting_names_a_city_and_its_heading_follows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_ISSUER_PROVINCE", "Hải Phòng")
    monkeypatch.setenv("WEB_ISSUER_PROVINCE_KIND", "thành phố")
    issuer = issuer_of(Settings())
    assert (issuer.parent, issuer.place, issuer.province) == (
        "UBND THÀNH PHỐ HẢI PHÒNG",
        "Hải Phòng",
        "thành phố Hải Phòng",
    )


def test_every_part_of_the_issuer_can_be_set_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_ISSUER_AGENCY", "SỞ NỘI VỤ")
    monkeypatch.setenv("WEB_ISSUER_PLACE", "Hoa Lư")
    monkeypatch.setenv("WEB_ISSUER_BODY", "BAN THI ĐUA - KHEN THƯỞNG")
    monkeypatch.setenv("WEB_ISSUER_SIGNATORY_TITLES", '["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]')
    monkeypatch.setenv("WEB_ISSUER_SIGNER", "Trần Văn An")
    issuer = issuer_of(Settings())
    assert issuer.parent == "SỞ NỘI VỤ" and issuer.place == "Hoa Lư" and issuer.body == "BAN THI ĐUA - KHEN THƯỞNG"
    assert issuer.capacity == ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC") and issuer.signer == "Trần Văn An"
    assert issuer.province == "tỉnh Ninh Bình"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WEB_ISSUER_PROVINCE", ""),
        ("WEB_ISSUER_PROVINCE", "Ninh\x0bBình"),
        ("WEB_ISSUER_PROVINCE_KIND", "huyện"),
        ("WEB_ISSUER_SIGNATORY_TITLES", "[]"),
        ("WEB_ISSUER_AGENCY", "x" * 201),
    ],
)
def test_an_unfit_issuer_setting_stops_the_dashboard_at_start(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name.removeprefix("WEB_").lower()):
        Settings()
