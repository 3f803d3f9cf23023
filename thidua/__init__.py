"""Thi đua platform kit: command line, local infrastructure and the runtime shared by the services."""
