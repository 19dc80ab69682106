"""Why a photo was refused.

Every refusal is a ``PhotoError``; its ``code`` is stable, so the UI can translate it
into the shopper's language, while the message is a plain English sentence for logs::

    PhotoError                     photo.error
     ├── NotAnImageError           photo.not_an_image
     │    └── EmptyFileError       photo.empty_file
     ├── CorruptImageError         photo.corrupt
     │    └── TruncatedImageError  photo.truncated
     ├── FileTooLargeError         photo.file_too_large
     └── ImageTooLargeError        photo.too_many_pixels

Failures of the storage itself (a missing source file, a full disk) are not photo
errors: they surface as ``OSError``.
"""


class PhotoError(Exception):
    "The photo was refused"

    code = "photo.error"


class NotAnImageError(PhotoError):
    "The file is not an image in a format the app accepts"

    code = "photo.not_an_image"


class EmptyFileError(NotAnImageError):
    "The file is empty"

    code = "photo.empty_file"


class CorruptImageError(PhotoError):
    "The file looks like an image but cannot be decoded"

    code = "photo.corrupt"


class TruncatedImageError(CorruptImageError):
    "The image file ends before the picture does"

    code = "photo.truncated"


class FileTooLargeError(PhotoError):
    "The file has more bytes than a photo may have"

    code = "photo.file_too_large"


class ImageTooLargeError(PhotoError):
    "The image has more pixels than a photo may have (possibly a decompression bomb)"

    code = "photo.too_many_pixels"
