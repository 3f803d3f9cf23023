"""Use cases of the evidence service, one module each: ingest a batch (both doors), register a source."""
