"""Vietnam's clock and the way Vietnamese write numbers, money and dates (defined once, no I/O)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
"""Giờ Việt Nam (UTC+7, no daylight saving): periods, working days and deadlines are counted in it."""
NO_VALUE = "—"


def number(value: float | int | None, digits: int = 2, *, fixed: bool = False) -> str:
    """Dots between thousands, a comma before decimals: 1234.5 → '1.234,5' ('1.234,50' with fixed=True)."""
    if value is None or isinstance(value, bool):
        return NO_VALUE
    text = f"{float(value):.{digits}f}" if digits > 0 else f"{round(float(value)):d}"
    sign = "-" if text.startswith("-") else ""
    whole, _, frac = text.lstrip("-").partition(".")
    if not fixed:
        frac = frac.rstrip("0")
    out = f"{int(whole):,}".replace(",", ".") + ("," + frac if frac else "")
    return out if set(out) <= set("0.,") else sign + out


def score(value: float | int | None) -> str:
    """A score, always with two decimals: 88.1 → '88,10'."""
    return number(value, 2, fixed=True)


def percent(rate: float | int | None) -> str:
    """A share 0..1 as a percentage: 0.9342 → '93,42%'."""
    return NO_VALUE if rate is None or isinstance(rate, bool) else number(rate * 100) + "%"


def money(amount: float | int | None) -> str:
    """An amount in đồng: 2340000 → '2.340.000 ₫'."""
    return NO_VALUE if amount is None or isinstance(amount, bool) else f"{number(amount, 0)} ₫"


def moment(value: datetime | str | None) -> str:
    """A timestamp in Vietnam time, '09:30 14/03/2025' (text that is not a timestamp is returned as it is)."""
    if value is None or value == "":
        return NO_VALUE
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    else:
        when = value
    if when.tzinfo is not None:
        when = when.astimezone(VN_TZ)
    return when.strftime("%H:%M %d/%m/%Y")


def day(value: date | datetime | None) -> str:
    """A date as dd/mm/yyyy (a timestamp's date in Vietnam time)."""
    if value is None:
        return NO_VALUE
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(VN_TZ)
    return value.strftime("%d/%m/%Y")
