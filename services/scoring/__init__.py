"""Scoring service (chấm điểm thi đua)."""
