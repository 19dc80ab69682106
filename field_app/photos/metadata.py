"""The little a stored photo keeps from the camera's EXIF, and the orientation to undo.

Kept: the capture time (DateTimeOriginal, else DateTime) with its UTC offset tag where the
camera wrote one (OffsetTimeOriginal, else OffsetTime: without it the server can only read
the time in the dealership's zone), and the GPS block. Dropped: everything else, from the orientation tag (the pixels are turned upright instead) to
maker notes, embedded thumbnails and camera serial numbers.
"""

import math
import re
import struct
from dataclasses import dataclass
from datetime import datetime

from PIL import ExifTags, Image

_EXIF_TIME_FORMAT = "%Y:%m:%d %H:%M:%S"
_OFFSET = re.compile(r"[+-]\d\d:\d\d")

# How to turn each EXIF orientation upright (the EXIF 2.3 table, as in ImageOps.exif_transpose).
ORIENTATION_TRANSPOSES = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

# What Pillow raises on EXIF it cannot parse or write back.
_EXIF_ERRORS = (SyntaxError, ValueError, TypeError, KeyError, IndexError, struct.error)


@dataclass(frozen=True)
class CameraMetadata:
    """What the pipeline takes from the camera file's EXIF."""

    orientation: int
    taken_at: datetime | None
    gps: tuple[float, float] | None
    exif: bytes
    """The reduced EXIF block to store with the photo; empty if nothing is kept."""


_NO_METADATA = CameraMetadata(orientation=1, taken_at=None, gps=None, exif=b"")


@dataclass(frozen=True)
class _CaptureTime:
    ifd: int | None  # the sub-IFD that holds the tag; None for the main one
    tag: int
    text: str
    value: datetime
    offset: tuple[int, str] | None = None  # the offset tag (in the Exif IFD) and its "+03:00"


def read_metadata(image: Image.Image) -> CameraMetadata:
    """Read orientation, capture time and GPS; EXIF that cannot be read counts as absent."""
    try:
        exif = image.getexif()
        orientation = _orientation(exif.get(ExifTags.Base.Orientation))
        capture = _capture_time(exif)
        gps_block = dict(exif.get_ifd(ExifTags.IFD.GPSInfo))
    except _EXIF_ERRORS:
        # Camera firmware writes all sorts of EXIF; broken EXIF must not cost the shopper
        # the photo.
        return _NO_METADATA
    return CameraMetadata(
        orientation=orientation,
        taken_at=capture.value if capture else None,
        gps=_decimal_position(gps_block),
        exif=_reduced_exif(capture, gps_block),
    )


def _orientation(value: object) -> int:
    # 1 is upright; 0, 9 and non-numbers turn up in the wild and mean nothing.
    return value if isinstance(value, int) and value in ORIENTATION_TRANSPOSES else 1


def _capture_time(exif: Image.Exif) -> _CaptureTime | None:
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    candidates = (
        (ExifTags.IFD.Exif, ExifTags.Base.DateTimeOriginal, exif_ifd.get(ExifTags.Base.DateTimeOriginal)),
        (None, ExifTags.Base.DateTime, exif.get(ExifTags.Base.DateTime)),
    )
    for ifd, tag, value in candidates:
        if not isinstance(value, str):
            continue
        text = value.strip("\x00 ")
        try:
            taken = datetime.strptime(text, _EXIF_TIME_FORMAT)
        except ValueError:
            continue  # "0000:00:00 00:00:00" and other placeholders cameras write
        return _CaptureTime(ifd, tag, text, taken, _offset_tag(exif_ifd))
    return None


def _offset_tag(exif_ifd: dict[int, object]) -> tuple[int, str] | None:
    """The capture time's offset tag as the camera wrote it. Cameras that write offsets
    write all three alike, so OffsetTimeOriginal is kept first whichever time is kept (the
    server reads them in that order)."""
    for tag in (ExifTags.Base.OffsetTimeOriginal, ExifTags.Base.OffsetTime):
        value = exif_ifd.get(tag)
        text = value.strip("\x00 ") if isinstance(value, str) else ""
        if _OFFSET.fullmatch(text):
            return tag, text
    return None


def _decimal_position(gps_block: dict[int, object]) -> tuple[float, float] | None:
    latitude = _decimal_degrees(
        gps_block, ExifTags.GPS.GPSLatitude, ExifTags.GPS.GPSLatitudeRef, "NS", 90
    )
    longitude = _decimal_degrees(
        gps_block, ExifTags.GPS.GPSLongitude, ExifTags.GPS.GPSLongitudeRef, "EW", 180
    )
    if latitude is None or longitude is None:
        return None
    return latitude, longitude


def _decimal_degrees(
    gps_block: dict[int, object], value_tag: int, ref_tag: int, hemispheres: str, limit: float
) -> float | None:
    """Degrees, minutes, seconds and a hemisphere letter as signed decimal degrees.

    hemispheres names the positive one first: "NS" or "EW".
    """
    value, ref = gps_block.get(value_tag), gps_block.get(ref_tag)
    if not (isinstance(value, tuple) and len(value) == 3 and isinstance(ref, str)):
        return None
    hemisphere = ref.strip("\x00 ").upper()
    if len(hemisphere) != 1 or hemisphere not in hemispheres:
        return None
    try:
        degrees, minutes, seconds = (float(part) for part in value)
    except (TypeError, ValueError):
        return None
    magnitude = degrees + minutes / 60 + seconds / 3600
    # A zero denominator makes a rational NaN; some cameras write that when they have no fix.
    if not (math.isfinite(magnitude) and 0 <= magnitude <= limit):
        return None
    return magnitude if hemisphere == hemispheres[0] else -magnitude


def _reduced_exif(capture: _CaptureTime | None, gps_block: dict[int, object]) -> bytes:
    try:
        return _exif_bytes(capture, gps_block)
    except _EXIF_ERRORS:
        # A damaged GPS block may hold values Pillow cannot write back under their
        # standard types; the capture time alone can always be written.
        return _exif_bytes(capture, {})


def _exif_bytes(capture: _CaptureTime | None, gps_block: dict[int, object]) -> bytes:
    exif = Image.Exif()
    if capture is not None:
        exif_ifd = {capture.offset[0]: capture.offset[1]} if capture.offset else {}
        if capture.ifd is None:
            exif[capture.tag] = capture.text
        else:
            exif_ifd[capture.tag] = capture.text
        if exif_ifd:
            exif[ExifTags.IFD.Exif] = exif_ifd
    if gps_block:
        exif[ExifTags.IFD.GPSInfo] = gps_block
    return exif.tobytes() if len(exif) else b""
