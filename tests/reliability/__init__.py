"""Fault suite: nothing lost, nothing doubled, nothing stuck (kill -9, broker and database restarts, duplicates,
hostile input), against real Kafka and PostgreSQL with the services as OS processes."""
