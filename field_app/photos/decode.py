"""Turning untrusted bytes into pixels, or refusing them with a named PhotoError.

Nothing here writes anywhere: every refusal happens before the pipeline touches the
destination directory.
"""

import io
import struct
import warnings
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageFile, UnidentifiedImageError

from .errors import (
    CorruptImageError,
    EmptyFileError,
    FileTooLargeError,
    ImageTooLargeError,
    NotAnImageError,
    TruncatedImageError,
)

MAX_FILE_BYTES = 40_000_000
"""A camera JPEG is 2-12 MB; anything past this is not a photo worth decoding on a phone."""

MAX_PIXELS = 50_000_000
"""Well above a 48-megapixel phone sensor, well below Pillow's own 89-megapixel warning."""

PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")
"""What cameras, screenshots and browsers hand us; Pillow is not offered its other parsers."""

# What Pillow's parsers and decoders raise on malformed data.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)

_FORMAT_NAMES = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}


def read_source(source: Path | bytes) -> bytes:
    """Return the whole file, refusing an empty or oversized one before it is decoded."""
    if isinstance(source, bytes):
        data = source
    else:
        with open(source, "rb") as file:
            # One byte past the limit is enough to know a file is too big.
            data = file.read(MAX_FILE_BYTES + 1)
    if not data:
        raise EmptyFileError("The file is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise FileTooLargeError(
            f"The file is larger than {MAX_FILE_BYTES // 1_000_000} MB, the most a photo may be."
        )
    return data


def open_image(data: bytes, formats: Sequence[str], max_pixels: int) -> ImageFile.ImageFile:
    """Identify the image and check its pixel count; its pixels are not decoded yet."""
    try:
        # catch_warnings swaps a process-wide filter: a thread running meanwhile sees it too.
        with warnings.catch_warnings():
            # Between 1x and 2x its limit Pillow only warns; here that is a refusal too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(formats))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLargeError(
            f"The image has more pixels than the limit of {_megapixels(max_pixels)} megapixels."
        ) from exc
    except UnidentifiedImageError as exc:
        if _has_signature_of(data, formats):
            raise CorruptImageError(
                "The file starts like an image but its header is damaged."
            ) from exc
        raise NotAnImageError(f"The file is not a {_either(formats)} image.") from exc
    except _DECODE_ERRORS as exc:
        raise _decode_error(exc) from exc

    width, height = image.size
    if width * height > max_pixels:
        image.close()
        raise ImageTooLargeError(
            f"The image is {width} x {height} pixels, more than the limit of "
            f"{_megapixels(max_pixels)} megapixels."
        )
    return image


def decode_pixels(image: ImageFile.ImageFile) -> None:
    """Decode the whole image now, so a damaged file fails here and not halfway through."""
    try:
        image.load()
    except _DECODE_ERRORS as exc:
        raise _decode_error(exc) from exc


def check_jpeg(data_or_path: Path | bytes, *, max_pixels: int) -> tuple[int, int]:
    """Decode a stored JPEG completely and return its (width, height).

    Raises a PhotoError if it is not a JPEG, is damaged or truncated, is larger than
    MAX_FILE_BYTES, or has more than max_pixels pixels (checked before any pixel is decoded).
    """
    data = read_source(data_or_path)
    with open_image(data, ("JPEG",), max_pixels) as image:
        size = image.size
        # libjpeg decodes every bit of the entropy-coded data either way, and so finds a
        # truncated or broken file just as a full decode does; only the inverse DCT then
        # runs at an eighth of the size, about a third of the time of a full decode.
        image.draft("RGB", (max(size[0] // 8, 1), max(size[1] // 8, 1)))
        decode_pixels(image)
        return size


def _decode_error(exc: Exception) -> CorruptImageError:
    # Pillow has no exception type for a short file, only its messages "image file is
    # truncated" (pixel data) and "Truncated File Read" (headers).
    if "truncated" in str(exc).lower():
        return TruncatedImageError("The image file is truncated: it ends before the picture does.")
    return CorruptImageError(f"The image data is damaged and cannot be decoded ({exc}).")


def _has_signature_of(data: bytes, formats: Sequence[str]) -> bool:
    signatures = {
        "JPEG": data.startswith(b"\xff\xd8\xff"),
        "PNG": data.startswith(b"\x89PNG\r\n\x1a\n"),
        "WEBP": data.startswith(b"RIFF") and data[8:12] == b"WEBP",
    }
    return any(signatures.get(name, False) for name in formats)


def _either(formats: Sequence[str]) -> str:
    names = [_FORMAT_NAMES.get(name, name) for name in formats]
    return " or ".join(filter(None, [", ".join(names[:-1]), names[-1]]))


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:g}"
