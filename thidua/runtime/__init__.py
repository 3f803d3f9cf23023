"""Runtime pieces every service shares: database, migrations, topics, HTTP probes, batch consumers."""
