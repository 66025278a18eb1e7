"""Decision logic: plain functions and classes, no I/O, no Temporal, no HTTP."""
