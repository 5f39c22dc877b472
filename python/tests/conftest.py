"""Shared fixtures of the Python tests: the repository, and the CLI binary to compare with.

The binary is ``$STORYHASH_BIN``, else ``target/release/storyhash``, else
``target/debug/storyhash``. Without one the comparisons cannot run: they
skip on a developer's machine and fail under ``CI=true``, so that CI never
passes without comparing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"


def _binary() -> Path | None:
    env = os.environ.get("STORYHASH_BIN")
    if env:
        return Path(env)
    for profile in ("release", "debug"):
        p = ROOT / "target" / profile / "storyhash"
        if p.exists():
            return p
    found = shutil.which("storyhash")
    return Path(found) if found else None


def missing(what: str) -> None:
    """Skips, or under CI=true fails, for a tool or input the test needs."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing under CI=true")
    pytest.skip(f"{what} is missing")


@pytest.fixture(scope="session")
def cli():
    """Runs the CLI: ``cli(args) -> CompletedProcess`` (text mode)."""
    exe = _binary()
    if exe is None or not exe.exists():
        missing("the storyhash binary (cargo build --release)")

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([str(exe), *args], capture_output=True, text=True, check=check)

    return run


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
