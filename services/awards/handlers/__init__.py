"""Use cases of the awards service, one module each: take in evidence and standings, grievances, close, vote."""
