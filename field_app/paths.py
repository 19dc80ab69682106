"""Where the project's files are: translations and assets, and the checklists folder."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "assets"
TRANSLATIONS = ASSETS / "translations"


def checklists_dir() -> Path:
    return Path(os.environ.get("FIELDAUDIT_CHECKLISTS", ROOT / "checklists"))
