"""External tools the provenance tests use to read our output independently."""

from __future__ import annotations

import shutil
import subprocess

EXIFTOOL = shutil.which("exiftool")
EXIFTOOL_MISSING = (
    "exiftool not installed (Debian package libimage-exiftool-perl); CI must install it "
    "so DigitalSourceType is checked by a tool we did not write"
)


def exiftool(*args: str) -> str:
    assert EXIFTOOL is not None
    return subprocess.run(
        [EXIFTOOL, *args], check=True, capture_output=True, text=True, timeout=60
    ).stdout
