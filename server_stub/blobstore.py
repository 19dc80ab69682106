"""Photo and recording files on disk, named by their sha256.

    DIR/uploads/<sha256>.part    bytes received so far (its size is the tus Upload-Offset)
    DIR/blobs/ab/<sha256>.jpg    a checked photo, moved into place whole

A checked recording (issue 17) takes the same path, `.jpg` and all: one path per sha256
keeps "stored" a single lookup; what a file holds is read from its bytes (`audio.py`),
never from its name.

Chunks are written straight to the kernel (no user-space buffer), so a process killed
mid-upload keeps every byte it received; only completion pays for an fsync. A file at
the final path got there by an atomic rename after its checks, so it is always good: the
file being there is what "stored" means (the database keeps no second record of it).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

READ_BLOCK = 1024 * 1024


class BlobStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.uploads = self.root / "uploads"
        self.blobs = self.root / "blobs"
        self.uploads.mkdir(parents=True, exist_ok=True)
        self.blobs.mkdir(parents=True, exist_ok=True)

    def part_path(self, sha256: str) -> Path:
        return self.uploads / f"{sha256}.part"

    def blob_path(self, sha256: str) -> Path:
        return self.blobs / sha256[:2] / f"{sha256}.jpg"

    def received(self, sha256: str) -> int:
        """Bytes of an unfinished upload held on disk."""
        try:
            return self.part_path(sha256).stat().st_size
        except FileNotFoundError:
            return 0

    def is_in_place(self, sha256: str) -> bool:
        """Whether the photo is stored: only a checked file is ever moved to its path."""
        return self.blob_path(sha256).is_file()

    def stored_size(self, sha256: str) -> int | None:
        try:
            return self.blob_path(sha256).stat().st_size
        except FileNotFoundError:
            return None

    def open_part(self, sha256: str, offset: int) -> int:
        """A descriptor that appends at `offset` (the part file is cut there if longer)."""
        fd = os.open(self.part_path(sha256), os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            # Truncate only when needed: ext4 flushes a truncated-then-written file on
            # close (auto_da_alloc), which would cost every upload a synchronous write.
            if os.fstat(fd).st_size != offset:
                os.ftruncate(fd, offset)
            os.lseek(fd, offset, os.SEEK_SET)
        except OSError:
            os.close(fd)
            raise
        return fd

    def hash_part(self, sha256: str, length: int) -> "hashlib._Hash":
        """The sha256 state of the first `length` bytes of the part file."""
        hasher = hashlib.sha256()
        if length == 0:
            return hasher
        with open(self.part_path(sha256), "rb") as file:
            left = length
            while left > 0:
                block = file.read(min(READ_BLOCK, left))
                if not block:
                    break
                hasher.update(block)
                left -= len(block)
        return hasher

    def move_into_place(self, sha256: str) -> Path:
        part, final = self.part_path(sha256), self.blob_path(sha256)
        with open(part, "rb") as file:
            os.fsync(file.fileno())
        final.parent.mkdir(exist_ok=True)
        os.replace(part, final)
        # Only the new name must survive a power cut; if the old one came back, the part
        # file would merely be ignored (the photo is in place).
        _fsync_dir(final.parent)
        return final

    def discard_part(self, sha256: str) -> None:
        self.part_path(sha256).unlink(missing_ok=True)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
