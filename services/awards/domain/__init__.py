"""Pure award rules: no I/O, the year and the records passed in."""
