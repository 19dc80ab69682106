"""Small copies of stored photos for the console's pages, made the first time a page asks
and kept as DATA/thumbs/<sha256>.jpg. A cache: a photo never changes under its sha256, and
deleting the folder loses nothing but the time to make them again."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from field_app.photos.pipeline import write_durably

from .store import ServerStore

SIDE = 320
QUALITY = 80


def thumbnail(store: ServerStore, sha256: str, source: Path) -> Path:
    """The thumbnail of the stored photo `source` (whose name `sha256` was checked by the caller)."""
    folder = store.settings.data_dir / "thumbs"
    path = folder / f"{sha256}.jpg"
    if path.is_file():
        return path
    folder.mkdir(exist_ok=True)
    # Two pages asking at once each write a file of their own and rename it over the name.
    write_durably(path, _shrink(source))
    return path


def _shrink(source: Path) -> bytes:
    # The upload checked the file as a JPEG within the pixel limit; draft lets libjpeg
    # decode it at a fraction of its size, which is all a thumbnail needs.
    with Image.open(source, formats=["JPEG"]) as image:
        image.draft("RGB", (SIDE, SIDE))
        image.thumbnail((SIDE, SIDE))
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "JPEG", quality=QUALITY)
    return buffer.getvalue()

