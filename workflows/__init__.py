"""Orchestration only: deterministic, short, no I/O."""
