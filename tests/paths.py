"""Where the test reference material lives: inside the repository (see tests/data/SOURCES.md)."""

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
SPECS = DATA / "specs"
FIXTURES = DATA / "fixtures"
