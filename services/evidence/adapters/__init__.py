"""Adapters of the evidence service: PostgreSQL and Kafka at the edge."""
