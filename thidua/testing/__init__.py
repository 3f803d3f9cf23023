"""Test support: real, throw-away Kafka and PostgreSQL for a test session."""
