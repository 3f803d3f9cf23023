"""Adapters of the awards service: PostgreSQL and Kafka at the edge."""
