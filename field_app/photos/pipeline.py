"""From a camera file to the upright JPEG and thumbnail the phone stores, named by sha256.

Everything that can refuse a photo (reading, identifying, decoding) runs before anything
is written, so a refused photo leaves the destination directory untouched.
"""

import contextlib
import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image

from .decode import MAX_PIXELS, PHOTO_FORMATS, decode_pixels, open_image, read_source
from .metadata import ORIENTATION_TRANSPOSES, CameraMetadata, read_metadata

DEFAULT_QUALITY = 80
"""With full-resolution colour (4:4:4): about 230 KB and 40 dB PSNR for a busy 1600x1200 scene."""

THUMBNAIL_SIDE = 320
"""The long side of the thumbnail that lists of photos show."""

THUMBNAIL_QUALITY = 80


@dataclass(frozen=True)
class ProcessedPhoto:
    """A photo as stored on the phone: its two files and what it kept from the camera."""

    sha256: str
    path: Path
    thumbnail_path: Path
    bytes: int
    width: int
    height: int
    taken_at: datetime | None
    """The EXIF capture time: naive local time, as the camera wrote it."""
    gps: tuple[float, float] | None
    """Decimal (latitude, longitude), if the camera recorded both."""


def process_photo(
    source: Path | bytes,
    dest_dir: Path,
    *,
    max_side: int = 1600,
    quality: int = DEFAULT_QUALITY,
) -> ProcessedPhoto:
    """Store a camera photo upright, at most max_side pixels long, with reduced EXIF.

    Writes ``<sha256>.jpg`` and ``<sha256>.thumb.jpg`` into dest_dir (which must exist),
    durably and atomically; processing the same photo again rewrites the same files.
    Raises a PhotoError if the photo is refused, OSError if the storage fails.
    """
    if max_side < 1:
        raise ValueError(f"max_side must be at least 1, not {max_side}")
    if not 1 <= quality <= 95:
        # Above 95 libjpeg only makes files bigger, not better.
        raise ValueError(f"quality must be between 1 and 95, not {quality}")

    photo, metadata, icc_profile = _upright_photo(read_source(source), max_side)
    # A box-filter reduction by the largest whole factor does nearly all the work: a
    # third of the time of a filtered resize, and plenty for a thumbnail.
    thumbnail = _resized(photo, fit_within(photo.size, THUMBNAIL_SIDE), reducing_gap=1.0)
    photo_jpeg = _encode_jpeg(photo, quality, exif=metadata.exif, icc_profile=icc_profile)
    thumbnail_jpeg = _encode_jpeg(thumbnail, THUMBNAIL_QUALITY, icc_profile=icc_profile)

    sha256 = hashlib.sha256(photo_jpeg).hexdigest()
    dest_dir = Path(dest_dir)
    # The thumbnail first: a stored photo never lacks its thumbnail.
    thumbnail_path = write_durably(dest_dir / f"{sha256}.thumb.jpg", thumbnail_jpeg)
    path = write_durably(dest_dir / f"{sha256}.jpg", photo_jpeg)
    fsync_directory(dest_dir)

    return ProcessedPhoto(
        sha256=sha256,
        path=path,
        thumbnail_path=thumbnail_path,
        bytes=len(photo_jpeg),
        width=photo.width,
        height=photo.height,
        taken_at=metadata.taken_at,
        gps=metadata.gps,
    )


def write_thumbnail(photo_path: Path, thumbnail_path: Path) -> Path:
    """Make the thumbnail of a stored photo (as `process_photo` makes it), for a photo
    stored without one, before its full file leaves the phone. Raises a PhotoError if
    the file is not a photo the pipeline would store, OSError if it cannot be read."""
    with open_image(Path(photo_path).read_bytes(), PHOTO_FORMATS, MAX_PIXELS) as image:
        icc_profile = _rgb_icc_profile(image)
        target = fit_within(image.size, THUMBNAIL_SIDE)
        image.draft("RGB", target)
        decode_pixels(image)
        thumbnail = _resized(_as_rgb(image), target, reducing_gap=1.0)
    written = write_durably(Path(thumbnail_path), _encode_jpeg(thumbnail, THUMBNAIL_QUALITY, icc_profile=icc_profile))
    fsync_directory(written.parent)
    return written


def fit_within(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """The size with the same aspect whose long side is max_side; never larger than size."""
    width, height = size
    if max(width, height) <= max_side:
        return size
    if width >= height:
        return max_side, max(1, round(height * max_side / width))
    return max(1, round(width * max_side / height)), max_side


def _upright_photo(
    data: bytes, max_side: int
) -> tuple[Image.Image, CameraMetadata, bytes | None]:
    """Decode, resize and turn upright; also return the metadata and colour profile to keep."""
    with open_image(data, PHOTO_FORMATS, MAX_PIXELS) as image:
        metadata = read_metadata(image)
        icc_profile = _rgb_icc_profile(image)
        target = fit_within(image.size, max_side)
        # JPEG only: libjpeg decodes at 1/2, 1/4 or 1/8 scale, never below the target,
        # so a 12-megapixel photo is never decoded at full size.
        image.draft("RGB", target)
        decode_pixels(image)
        photo = _resized(_as_rgb(image), target)
    if metadata.orientation in ORIENTATION_TRANSPOSES:
        # Turned after resizing: the same result, on far fewer pixels.
        photo = photo.transpose(ORIENTATION_TRANSPOSES[metadata.orientation])
    return photo, metadata, icc_profile


def _as_rgb(image: Image.Image) -> Image.Image:
    if image.mode.startswith("I;16"):
        # convert() would clip 16-bit samples at 255 instead of scaling them down.
        image = image.point(lambda value: value / 256, "L")
    if image.has_transparency_data:
        # Transparent areas (screenshots, stickers) become white rather than black.
        white = Image.new("RGBA", image.size, "white")
        return Image.alpha_composite(white, image.convert("RGBA")).convert("RGB")
    return image if image.mode == "RGB" else image.convert("RGB")


def _resized(
    image: Image.Image, size: tuple[int, int], reducing_gap: float | None = None
) -> Image.Image:
    if image.size == size:
        return image
    # After draft decoding (libjpeg scales in the DCT domain, which is properly
    # anti-aliased) at most a factor of two is left; over that, a Hamming filter is half
    # the cost of LANCZOS for 0.7 dB less PSNR (39.6 vs 40.2 on benchmarks/photos.py).
    return image.resize(size, Image.Resampling.HAMMING, reducing_gap=reducing_gap)


def _rgb_icc_profile(image: Image.Image) -> bytes | None:
    # A phone's Display P3 profile keeps its colours right; a CMYK or grey profile
    # would not describe the RGB pixels we write, so it goes.
    profile = image.info.get("icc_profile")
    if isinstance(profile, bytes) and profile[16:20] == b"RGB ":
        return profile
    return None


def _encode_jpeg(
    image: Image.Image, quality: int, *, exif: bytes = b"", icc_profile: bytes | None = None
) -> bytes:
    buffer = io.BytesIO()
    # 4:4:4 keeps coloured edges (number plates, signage, paint) sharp; at this quality
    # it costs fewer bytes per decibel than 4:2:0 at a higher quality. Optimized Huffman
    # tables would save 9% of the bytes for twice the encoding time (7 ms more per photo
    # on benchmarks/photos.py); the photo stays far under its 350 KB budget without them.
    image.save(
        buffer,
        "JPEG",
        quality=quality,
        subsampling="4:4:4",
        exif=exif,
        icc_profile=icc_profile,
    )
    return buffer.getvalue()


def write_durably(path: Path, data: bytes) -> Path:
    """Write through a synced temp file in the same directory, then rename over path: a
    reader never sees half a file, and a power cut cannot leave an empty one."""
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    return path


def fsync_directory(directory: Path) -> None:
    """Make the renames into `directory` themselves survive a power cut (photos and
    call recordings alike)."""
    # Windows cannot open a directory for this, and its file system journals renames anyway.
    if os.name == "nt":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
