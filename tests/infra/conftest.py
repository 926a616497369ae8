"""Helpers for the checks of the deployment files: the repository root and the lint tools."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def tool(name: str) -> str:
    """The path of a lint tool `make` installs (the dev extra, or Debian's package).

    Missing on a developer's machine it skips the test with the reason; in CI (CI=true) it fails,
    so a broken install step cannot turn the lints into skipped tests.
    """
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    path = shutil.which(name, path=search)
    if path is None:
        message = f"{name} is not installed: `make test` installs it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path
