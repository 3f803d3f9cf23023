"""The operator's app (command line, local infrastructure, demo, backup, settings doc); no service imports it."""
