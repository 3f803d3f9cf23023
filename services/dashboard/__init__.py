"""The dashboard: the units' and the emulation office's workplace over the services' public HTTP APIs."""
