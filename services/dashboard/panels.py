"""The panels a page shows in place of its content: an error, a request to sign in, a service that did not answer."""

from __future__ import annotations

from typing import Any

from services.dashboard.upstream import Upstream


def panel(title: str, message: str, detail: str | None = None) -> dict[str, Any]:
    """An error panel for a template."""
    return {"kind": "error", "title": title, "message": message, "detail": detail}


def sign_in_panel(message: str, next_path: str) -> dict[str, Any]:
    """A panel asking to sign in, with the way back to this page."""
    return {"kind": "sign_in", "title": "Cần đăng nhập", "message": message, "next": next_path}


def upstream_panel(service: str, result: Upstream) -> dict[str, Any]:
    """The panel for a service that did not answer usefully."""
    if result.status == 403:
        message = f"Mã truy cập của bạn không được phép đọc dữ liệu này từ dịch vụ {service}."
    elif result.status == 404:
        message = f"Dịch vụ {service} không có dữ liệu cho yêu cầu này."
    elif result.status is not None and 400 <= result.status < 500:
        message = f"Dịch vụ {service} từ chối yêu cầu (tham số không hợp lệ)."
    else:
        message = f"Không lấy được dữ liệu từ dịch vụ {service}: dịch vụ đang tạm thời không phản hồi."
    title = "Không có quyền xem" if result.status == 403 else "Không tải được dữ liệu"
    return panel(title, message, result.problem or "dữ liệu không đúng dạng")


def status_for(result: Upstream) -> int:
    """The dashboard's HTTP status when the page's main content could not be fetched."""
    if result.status in (401, 403, 404):
        return result.status
    return 502
