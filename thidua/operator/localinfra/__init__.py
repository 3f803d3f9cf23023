"""Local Kafka and PostgreSQL as plain processes, for machines without a Docker engine."""
