"""Notify service (thông báo)."""
