"""What the server reads from a stored photo for the proof of a visit (issue 17): when and
where the camera says it was taken, and what it looks like, as a 64-bit difference hash
that a resized or recompressed copy keeps.

The phone's pipeline (`field_app.photos.metadata`) keeps only DateTimeOriginal (else
DateTime) and the GPS block, so a photo sent by our phone has a naive capture time; the
offset tags (OffsetTimeOriginal, OffsetTime) are read here anyway, for files that keep them.

Near-duplicates: two photos whose hashes differ in at most NEAR_DUPLICATE_BITS bits. A
photo resized to 90% and recompressed at quality 70 kept its hash within 2 bits in the
186 drawn photos of tests/test_photo_facts.py (153 identical) and within 5 in a run of 476
at 1600 px (401 identical); halved at quality 50, within 4. Different photos: median 32
bits apart, 1% of pairs within 19; the few within 6 were two gradients (two skies look
alike at 9x8). A 2% crop put 15% of the copies beyond 6 bits (up to 14), 15% more
brightness 1% (up to 17): the hash finds copies, not edited ones.

To find near-duplicates among many stored photos without comparing each, a hash is cut
into BAND_COUNT = NEAR_DUPLICATE_BITS + 1 bands (one of 10 bits, six of 9): two hashes
within NEAR_DUPLICATE_BITS bits differ in at most that many bands, so they share at least
one band exactly (pigeonhole); an index on (band number, value) finds every candidate and
`hamming` keeps the true ones. At 100,000 evenly spread hashes a band value holds about
200 photos, so a lookup compares some 1,400 candidates. Four bands of 16 bits would give
a handful, but only guarantee distance 3, and 4 of the 476 copies above were 4-5 apart.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

from PIL import ExifTags, Image

from field_app.photos.decode import MAX_PIXELS, decode_pixels, open_image, read_source
from field_app.photos.metadata import read_metadata

HASH_BITS = 64
NEAR_DUPLICATE_BITS = 6
"""At most this many of the 64 bits differ between a photo and its resized or
recompressed copy. 90% and quality 70 measured at most 5; one more bit of margin."""

BAND_COUNT = NEAR_DUPLICATE_BITS + 1
_BAND_WIDTHS = tuple(HASH_BITS // BAND_COUNT + (i < HASH_BITS % BAND_COUNT) for i in range(BAND_COUNT))

PLAIN_MARGIN = 1.0
"""Grey levels (of 255) a neighbour must differ by for its bit to count as decided."""
PLAIN_BELOW = 16
"""A photo with fewer decided bits than this is too plain to compare by look: its other
bits are set by JPEG noise, so a recompressed copy of a blank wall, a flat sky or a single
colour would not match itself and would match every other plain photo. Only its sha256
then finds a copy."""

# Decoding at 1/2..1/8 scale (JPEG's draft mode) gives the same 9x8 thumbnail to within
# JPEG noise, five times faster than decoding every pixel (2 ms against 10 for 1600 px).
_DRAFT_SIZE = (64, 64)
_OFFSET = re.compile(r"^[+-]\d{2}:\d{2}$")
# What Pillow raises on EXIF it cannot parse (as field_app.photos.metadata catches).
_EXIF_ERRORS = (SyntaxError, ValueError, TypeError, KeyError, IndexError, struct.error)


@dataclass(frozen=True)
class PhotoFacts:
    """What a stored photo says about itself."""

    taken_at: datetime | None
    """The EXIF capture time: aware when the file has an offset tag, naive otherwise."""
    position: tuple[float, float] | None
    """(lat, lon) in degrees from the EXIF GPS block."""
    look: int | None
    """The 64-bit difference hash; None when the photo is too plain to compare by look."""


def photo_facts(data: bytes | Path, *, max_pixels: int = MAX_PIXELS) -> PhotoFacts:
    """Read a stored JPEG's facts. A file that is not a JPEG, is damaged or too large
    raises the PhotoError that names why (`field_app.photos.errors`)."""
    with open_image(read_source(data), ("JPEG",), max_pixels) as image:
        metadata = read_metadata(image)  # broken EXIF counts as none, as on the phone
        taken_at = metadata.taken_at
        if taken_at is not None:
            taken_at = taken_at.replace(tzinfo=_offset(image))
        image.draft("L", _DRAFT_SIZE)
        decode_pixels(image)
        return PhotoFacts(taken_at=taken_at, position=metadata.gps, look=difference_hash(image))


def difference_hash(image: Image.Image) -> int | None:
    """Grey, shrunk to 9x8, each pixel compared with its right neighbour: 64 bits, row by
    row, a bit set where the right one is brighter. None when too plain (PLAIN_BELOW)."""
    # Floating-point grey keeps the small differences an 8-bit thumbnail rounds into ties.
    small = image.convert("L").convert("F").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = list(small.get_flattened_data())
    look, decided = 0, 0
    for row in range(8):
        for col in range(8):
            difference = pixels[row * 9 + col + 1] - pixels[row * 9 + col]
            look = look << 1 | (difference > 0)
            decided += abs(difference) >= PLAIN_MARGIN
    return look if decided >= PLAIN_BELOW else None


def hamming(a: int, b: int) -> int:
    """How many bits differ between two hashes."""
    return (a ^ b).bit_count()


def is_near_duplicate(a: int, b: int) -> bool:
    return hamming(a, b) <= NEAR_DUPLICATE_BITS


def bands(look: int) -> tuple[int, ...]:
    """The hash cut into BAND_COUNT runs of 9 or 10 bits, highest first: store each as
    (its position, its value); a near-duplicate shares at least one of them exactly."""
    values, shift = [], HASH_BITS
    for width in _BAND_WIDTHS:
        shift -= width
        values.append(look >> shift & (1 << width) - 1)
    return tuple(values)


def _offset(image: Image.Image) -> tzinfo | None:
    """The zone of the EXIF capture time, from "+03:00"; None when the file gives none.
    Cameras that write offsets write all three alike, so OffsetTimeOriginal is taken
    first even when the time itself came from DateTime."""
    try:
        exif_ifd = image.getexif().get_ifd(ExifTags.IFD.Exif)
    except _EXIF_ERRORS:
        return None
    for tag in (ExifTags.Base.OffsetTimeOriginal, ExifTags.Base.OffsetTime):
        value = exif_ifd.get(tag)
        text = value.strip("\x00 ") if isinstance(value, str) else ""
        if _OFFSET.match(text):
            try:
                return datetime.strptime(text, "%z").tzinfo
            except ValueError:  # "+25:00" and other offsets no clock has
                continue
    return None
