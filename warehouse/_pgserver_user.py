"""pgserver runs postgres as a dedicated system user when the caller is root."""

from __future__ import annotations

import os


def server_system_user() -> str | None:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return "pgserver"
    return None
