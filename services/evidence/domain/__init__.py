"""Pure rules of the evidence service: no I/O, time passed in."""
