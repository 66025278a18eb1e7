"""Where the reference material lives: ../shared beside the repository (as in CI)."""

from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
SPECS = SHARED / "specs"
FIXTURES = SHARED / "fixtures"
