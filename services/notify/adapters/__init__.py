"""Adapters of the notify service: PostgreSQL and Kafka at the edge."""
