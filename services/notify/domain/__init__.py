"""Pure rules of the notify service: who is told, what they read, when to retry."""
