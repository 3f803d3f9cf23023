"""Public contract v1 of Thi đua: event models and topic names, defined once."""
