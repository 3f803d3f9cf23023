"""Awards service (khen thưởng)."""
