"""The photo pipeline: camera file in, upright 1600 px JPEG with reduced EXIF out.

    process_photo(source, dest_dir) -> ProcessedPhoto    on the phone, before storing
    check_jpeg(data_or_path, max_pixels=...) -> (w, h)   verifying a stored JPEG

Refusals raise the named errors of ``field_app.photos.errors``.
"""

from .decode import MAX_FILE_BYTES, MAX_PIXELS, check_jpeg
from .errors import (
    CorruptImageError,
    EmptyFileError,
    FileTooLargeError,
    ImageTooLargeError,
    NotAnImageError,
    PhotoError,
    TruncatedImageError,
)
from .pipeline import ProcessedPhoto, process_photo

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_PIXELS",
    "CorruptImageError",
    "EmptyFileError",
    "FileTooLargeError",
    "ImageTooLargeError",
    "NotAnImageError",
    "PhotoError",
    "ProcessedPhoto",
    "TruncatedImageError",
    "check_jpeg",
    "process_photo",
]
