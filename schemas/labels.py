"""Vietnamese labels of the contract's codes, for everything people read (defined once)."""

from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from schemas.vietnam import day

TitleCode = Literal[
    "lao_dong_tien_tien",
    "chien_si_thi_dua_co_so",
    "chien_si_thi_dua_tinh",
    "bang_khen_chu_tich_tinh",
    "tap_the_lao_dong_tien_tien",
    "tap_the_lao_dong_xuat_sac",
    "co_thi_dua_tinh",
]
"""A year-end title of the contract (nominations.v1, emulation.registered, title.awarded); its words: TITLES."""


@dataclass(frozen=True)
class TitleWords:
    """How people read a title: its name, and where awards word it otherwise (None: the name)."""

    name: str
    in_criteria: str | None = None  # in award criteria ("chưa đăng ký thi đua danh hiệu …")
    short: str | None = None  # in award alerts (collective titles only)


TITLES: dict[TitleCode, TitleWords] = {
    "lao_dong_tien_tien": TitleWords("Lao động tiên tiến"),
    "chien_si_thi_dua_co_so": TitleWords("Chiến sĩ thi đua cơ sở"),
    "chien_si_thi_dua_tinh": TitleWords("Chiến sĩ thi đua cấp tỉnh"),
    "bang_khen_chu_tich_tinh": TitleWords("Bằng khen của Chủ tịch UBND tỉnh"),
    "tap_the_lao_dong_tien_tien": TitleWords("Tập thể lao động tiên tiến", short="Tập thể lao động tiên tiến"),
    "tap_the_lao_dong_xuat_sac": TitleWords("Tập thể lao động xuất sắc", short="Tập thể lao động xuất sắc"),
    # The flag by its level in criteria, kept byte-identical so nominations and alerts.v1 messages do not change.
    "co_thi_dua_tinh": TitleWords("Cờ thi đua của UBND tỉnh", in_criteria="Cờ thi đua cấp tỉnh", short="Cờ thi đua"),
}
"""Every title of TitleCode with its words, in the order documents list them: the one place a title is declared
(TitleCode above spells the codes for the type checker, which cannot read them from a table)."""
if set(TITLES) != set(get_args(TitleCode)):
    raise TypeError("every TitleCode needs its words in TITLES, and only those")
TITLE_NAMES: dict[str, str] = {code: words.name for code, words in TITLES.items()}
"""The name people read for each title."""
UNIT_LEVEL_NAMES: dict[str, str] = {
    "province": "Cấp tỉnh",
    "department": "Sở, ban, ngành",
    "agency": "Cơ quan, tổ chức cấp tỉnh",
    "district": "Cấp huyện (trước 01/7/2025)",
    "commune": "Xã",
    "ward": "Phường",
    "special_zone": "Đặc khu",
    "other": "Khác",
}
"""The levels of unit.registered (schemas.evidence_types.units.UnitLevel) in Vietnamese."""
BANDS: tuple[str, ...] = ("Tốt", "Khá", "Trung bình", "Yếu")  # best first

# Kinds of alerts.v1 and their Vietnamese titles; {code} is the dossier's or complaint's code.
ALERT_TITLES: dict[str, str] = {
    "dossier_due_soon": "Hồ sơ {code} sắp đến hạn giải quyết",
    "dossier_overdue": "Hồ sơ {code} đã quá hạn giải quyết",
    "complaint_overdue": "Phản ánh, kiến nghị {code} đã quá hạn giải quyết",
    "band_dropped": "Xếp loại thi đua của đơn vị bị giảm",
    "award_on_track": "Đơn vị đang đạt tiêu chí khen thưởng",
    "award_at_risk": "Đơn vị có nguy cơ không đạt tiêu chí khen thưởng",
    "calendar_missing": "Chưa có lịch nghỉ lễ, Tết chính thức năm {code}: đang chấm theo lịch tạm tính",
    "official_index_gap": "Chỉ số phục vụ kỳ {code} chênh lệch với kết quả chính thức của Cổng Dịch vụ công quốc gia",
}


def alert_title(kind: str, code: str | None = None) -> str:
    """The Vietnamese title of an alert kind (the kind itself when unknown)."""
    return ALERT_TITLES.get(kind, kind).format(code=code or "")


# Added for the awards (additive): the names and alert titles the awards have always used, kept byte-identical so
# nominations and alerts.v1 messages do not change.
CRITERIA_TITLE_NAMES: dict[str, str] = {code: words.in_criteria or words.name for code, words in TITLES.items()}
"""How award criteria name a title ("chưa đăng ký thi đua danh hiệu …"): the flag by its level."""
TITLE_SHORT_NAMES: dict[str, str] = {code: words.short for code, words in TITLES.items() if words.short}
"""Collective titles as award alerts name them."""
AWARD_ALERT_TITLES: dict[str, str] = {
    "award_on_track": "Đang đạt tiêu chí hướng tới {name}; nộp hồ sơ trước {deadline}",
    "award_at_risk": "Có nguy cơ không đạt {name}; hạn nộp hồ sơ {deadline}",
}
"""The title of an award alert for one collective title ({deadline}: the dossier deadline, dd/mm/yyyy)."""


def award_alert_title(kind: str, title: str, dossier_deadline: date) -> str:
    """The Vietnamese title of an award_on_track / award_at_risk alert for one title and its dossier deadline."""
    name = TITLE_SHORT_NAMES.get(title, TITLE_NAMES.get(title, title))
    return AWARD_ALERT_TITLES[kind].format(name=name, deadline=day(dossier_deadline))


# Added for scoring (additive): the titles scoring has always raised where they say more than ALERT_TITLES (how
# long is left, which bands), kept byte-identical so alerts.v1 messages do not change.
SCORING_ALERT_TITLES: dict[str, str] = {
    "dossier_due_soon": "Hồ sơ {code} sắp đến hạn giải quyết (còn 1 ngày làm việc)",
    "band_dropped": "Xếp loại giảm từ {previous_band} xuống {band}",
}
"""The title of a scoring alert ({code}: the dossier's or complaint's code; {band}, {previous_band}: bands)."""


def scoring_alert_title(kind: str, *, code: str | None = None, band: str = "", previous_band: str = "") -> str:
    """The Vietnamese title scoring raises an alert kind with (ALERT_TITLES' words where it says nothing more)."""
    text = SCORING_ALERT_TITLES.get(kind) or ALERT_TITLES.get(kind, kind)
    return text.format(code=code or "", band=band, previous_band=previous_band)
