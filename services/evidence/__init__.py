"""Evidence service (cổng tiếp nhận minh chứng)."""
