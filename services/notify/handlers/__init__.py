"""Use cases of the notify service, one module each: consume (events to notifications), digest, deliver."""
