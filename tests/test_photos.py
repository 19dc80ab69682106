"""The photo pipeline: from a camera file to the upright, reduced JPEG the phone stores."""

import functools
import hashlib
import io
import random
import struct
import warnings
import zlib
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageChops, ImageDraw, ImageFile, ImageStat

from field_app.photos import (
    MAX_FILE_BYTES,
    CorruptImageError,
    EmptyFileError,
    FileTooLargeError,
    ImageTooLargeError,
    NotAnImageError,
    PhotoError,
    TruncatedImageError,
    check_jpeg,
    errors,
    process_photo,
)
from field_app.photos.pipeline import fit_within

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "testdata" / "jpeg-corpus"

# Mean absolute difference (0-255, worst channel) two decodes of the same picture may show
# after JPEG re-encoding. Same picture: about 7.6 on hopper; turned or mirrored: about 64.
SAME_PICTURE = 12.0

MAKE, MODEL, SOFTWARE = 0x010F, 0x0110, 0x0131
ORIENTATION, DATETIME = 0x0112, 0x0132
DATETIME_ORIGINAL, MAKER_NOTE, BODY_SERIAL = 0x9003, 0x927C, 0xA431
START_OF_FRAME, START_OF_SCAN = b"\xff\xc0", b"\xff\xda"  # baseline JPEG markers


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"JPEG corpus not found at {CORPUS} (CI puts ../shared beside the repo)")
    return CORPUS


@pytest.fixture
def photo_dir(tmp_path: Path) -> Path:
    """Where processed photos go; empty to start with."""
    directory = tmp_path / "photos"
    directory.mkdir()
    return directory


@pytest.fixture(scope="module")
def twelve_megapixels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 4000x3000 camera-like JPEG: gradients, shapes and some noise."""
    path = tmp_path_factory.mktemp("camera") / "IMG_4000x3000.jpg"
    size = (4000, 3000)
    gradient = Image.linear_gradient("L").resize(size)
    scene = Image.merge("RGB", (gradient, gradient.transpose(Image.Transpose.ROTATE_180),
                                Image.radial_gradient("L").resize(size)))
    draw = ImageDraw.Draw(scene)
    rng = random.Random(12)
    for _ in range(40):
        x, y = rng.randrange(3800), rng.randrange(2800)
        draw.ellipse((x, y, x + 200, y + 150), fill=tuple(rng.randrange(256) for _ in "rgb"))
    noise = Image.frombytes("L", size, rng.randbytes(size[0] * size[1])).point(lambda v: v // 16)
    scene = ImageChops.add(scene, Image.merge("RGB", [noise] * 3), 1, -8)
    scene.save(path, "JPEG", quality=90)
    return path


def mean_difference(image: Image.Image, expected: Image.Image) -> float:
    """The worst channel's mean absolute difference, in levels of 0-255."""
    return max(ImageStat.Stat(ImageChops.difference(image.convert("RGB"),
                                                    expected.convert("RGB"))).mean)


def jpeg_bytes(image: Image.Image, exif: Image.Exif | None = None, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes() if exif else b"", **options)
    return buffer.getvalue()


def png_bytes(image: Image.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **options)
    return buffer.getvalue()


def gif_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "GIF")
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        checksum = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + checksum

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * 4096)) + chunk(b"IEND", b""))


def camera_exif(*, gps: dict[int, object] | None = None, orientation: int = 1) -> Image.Exif:
    """EXIF as a phone writes it, private details included."""
    exif = Image.Exif()
    exif[MAKE], exif[MODEL], exif[SOFTWARE] = "FieldPhone", "FP-12", "FieldOS 14.2"
    exif[ORIENTATION] = orientation
    exif[DATETIME] = "2024:05:02 09:00:00"
    exif[ExifTags.IFD.Exif] = {
        DATETIME_ORIGINAL: "2024:05:01 13:05:07",
        BODY_SERIAL: "SN-0042-7731",
        MAKER_NOTE: b"FieldPhone private notes \x00\x01\x02",
    }
    if gps is not None:
        exif[ExifTags.IFD.GPSInfo] = gps
    return exif


@functools.cache
def sample_jpeg() -> bytes:
    """A small camera photo, held sideways (orientation 6)."""
    size = (160, 120)
    gradient = Image.linear_gradient("L").resize(size)
    image = Image.merge("RGB", (gradient, gradient.transpose(Image.Transpose.ROTATE_180),
                                Image.radial_gradient("L").resize(size)))
    return jpeg_bytes(image, camera_exif(orientation=6), quality=90)


def files_in(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


# Orientation


@pytest.mark.parametrize("orientation", range(2, 9))
def test_every_exif_orientation_comes_out_upright(corpus: Path, photo_dir: Path, orientation: int):
    upright = process_photo(corpus / "hopper.jpg", photo_dir)
    result = process_photo(corpus / f"hopper_orientation_{orientation}.jpg", photo_dir)

    with Image.open(result.path) as output, Image.open(upright.path) as expected:
        assert output.size == expected.size
        assert mean_difference(output, expected) < SAME_PICTURE
        # The comparison can fail: every turned or mirrored version of the output fails it.
        for wrong in Image.Transpose:
            assert mean_difference(output.transpose(wrong), expected) > SAME_PICTURE


def test_orientation_rectangle_comes_out_with_the_right_aspect(corpus: Path, photo_dir: Path):
    with Image.open(corpus / "orientation_rectangle.jpg") as source:
        assert source.size == (2, 1) and source.getexif()[ORIENTATION] == 8

    result = process_photo(corpus / "orientation_rectangle.jpg", photo_dir)

    assert (result.width, result.height) == (1, 2)
    with Image.open(result.path) as output:
        assert output.size == (1, 2)
        assert ORIENTATION not in output.getexif()


def test_portrait_photo_is_turned_before_its_long_side_is_limited(tmp_path: Path, photo_dir: Path):
    # Held upright, the phone stores the picture lying on its side: the sky (red) on the
    # left, with orientation 6 saying "turn me clockwise to view".
    stored = Image.new("RGB", (2000, 1500), "blue")
    stored.paste("red", (0, 0, 1000, 1500))
    source = tmp_path / "portrait.jpg"
    source.write_bytes(jpeg_bytes(stored, camera_exif(orientation=6), quality=95))

    result = process_photo(source, photo_dir)

    assert (result.width, result.height) == (1200, 1600)
    with Image.open(result.path) as output:
        red, blue = output.getpixel((600, 200)), output.getpixel((600, 1400))
    assert red[0] > 200 and red[2] < 50
    assert blue[2] > 200 and blue[0] < 50


# EXIF


def test_exif_keeps_only_capture_time_and_gps_block(corpus: Path, photo_dir: Path):
    with Image.open(corpus / "exif_gps.jpg") as source:
        source_gps = dict(source.getexif().get_ifd(ExifTags.IFD.GPSInfo))
        assert source.getexif()[MAKE] == "Make"  # the camera details that must go
    assert source_gps

    result = process_photo(corpus / "exif_gps.jpg", photo_dir)

    with Image.open(result.path) as output:
        exif = output.getexif()
        assert set(exif) == {ExifTags.IFD.Exif, ExifTags.IFD.GPSInfo}
        assert exif.get_ifd(ExifTags.IFD.Exif) == {DATETIME_ORIGINAL: "2099:09:29 10:10:10"}
        assert exif.get_ifd(ExifTags.IFD.GPSInfo) == source_gps
        assert exif.get_ifd(ExifTags.IFD.IFD1) == {}  # no embedded thumbnail
        assert [marker for marker, _ in output.applist] == ["APP0", "APP1"]
    assert result.taken_at == datetime(2099, 9, 29, 10, 10, 10)
    assert result.gps is None  # this block has no latitude/longitude pair with hemispheres


@pytest.mark.parametrize(
    ("north_south", "east_west", "expected"),
    [("N", "E", (55.755806, 37.620083)), ("S", "W", (-55.755806, -37.620083))],
)
def test_gps_position_comes_out_in_decimal_degrees(
    tmp_path: Path,
    photo_dir: Path,
    north_south: str,
    east_west: str,
    expected: tuple[float, float],
):
    gps = {
        ExifTags.GPS.GPSVersionID: b"\x02\x02\x00\x00",
        ExifTags.GPS.GPSLatitudeRef: north_south,
        ExifTags.GPS.GPSLatitude: (55.0, 45.0, 20.9),
        ExifTags.GPS.GPSLongitudeRef: east_west,
        ExifTags.GPS.GPSLongitude: (37.0, 37.0, 12.3),
        ExifTags.GPS.GPSAltitude: 145.5,
    }
    source = tmp_path / "IMG_0001.jpg"
    source.write_bytes(jpeg_bytes(Image.new("RGB", (64, 48), "grey"), camera_exif(gps=gps)))
    with Image.open(source) as camera_file:
        source_gps = camera_file.getexif().get_ifd(ExifTags.IFD.GPSInfo)

    result = process_photo(source, photo_dir)

    assert result.gps == pytest.approx(expected, abs=1e-6)
    assert result.taken_at == datetime(2024, 5, 1, 13, 5, 7)
    with Image.open(result.path) as output:
        exif = output.getexif()
        assert set(exif) == {ExifTags.IFD.Exif, ExifTags.IFD.GPSInfo}
        assert exif.get_ifd(ExifTags.IFD.Exif) == {DATETIME_ORIGINAL: "2024:05:01 13:05:07"}
        assert exif.get_ifd(ExifTags.IFD.GPSInfo) == source_gps


def test_capture_time_falls_back_to_datetime_and_drops_the_rest(corpus: Path, photo_dir: Path):
    with Image.open(corpus / "flower2.jpg") as source:
        assert source.getexif().get_ifd(ExifTags.IFD.IFD1)  # it carries an EXIF thumbnail
        assert {"xmp", "photoshop", "icc_profile"} <= set(source.info)
        icc_profile = source.info["icc_profile"]

    result = process_photo(corpus / "flower2.jpg", photo_dir)

    assert result.taken_at == datetime(2013, 7, 4, 17, 24, 41)
    with Image.open(result.path) as output:
        assert dict(output.getexif()) == {DATETIME: "2013:07:04 17:24:41"}
        assert output.getexif().get_ifd(ExifTags.IFD.IFD1) == {}
        assert "xmp" not in output.info and "photoshop" not in output.info
        # The colour profile is not EXIF and describes the RGB pixels: it stays.
        assert output.info["icc_profile"] == icc_profile


@pytest.mark.parametrize(("offsets", "kept"), [
    ({ExifTags.Base.OffsetTimeOriginal: "+05:00", ExifTags.Base.OffsetTime: "+05:00"},
     {ExifTags.Base.OffsetTimeOriginal: "+05:00"}),
    ({ExifTags.Base.OffsetTime: "-03:30"}, {ExifTags.Base.OffsetTime: "-03:30"}),
    ({ExifTags.Base.OffsetTimeOriginal: "5 hours"}, {}),
], ids=["original", "only_offset_time", "not_an_offset"])
def test_the_capture_times_offset_is_kept_and_read_by_the_server(tmp_path: Path, photo_dir: Path, offsets, kept):
    """Without its offset a capture time can only be read in the dealership's zone: a
    shopper's phone on another zone's time would seem to photograph outside the visit."""
    from server_stub.photo_facts import photo_facts

    exif = camera_exif()
    exif[ExifTags.IFD.Exif] = {DATETIME_ORIGINAL: "2024:05:01 13:05:07", BODY_SERIAL: "SN-0042-7731", **offsets}
    source = tmp_path / "IMG_0003.jpg"
    source.write_bytes(jpeg_bytes(Image.new("RGB", (64, 48), "grey"), exif))

    result = process_photo(source, photo_dir)

    with Image.open(result.path) as output:
        assert output.getexif().get_ifd(ExifTags.IFD.Exif) == {DATETIME_ORIGINAL: "2024:05:01 13:05:07", **kept}
    taken = photo_facts(result.path).taken_at
    assert taken.replace(tzinfo=None) == datetime(2024, 5, 1, 13, 5, 7)
    assert (taken.utcoffset() is None) == (not kept)
    if kept:
        assert taken.isoformat().endswith(next(iter(kept.values())))


def test_a_datetime_capture_keeps_its_offset_beside_it(tmp_path: Path, photo_dir: Path):
    exif = Image.Exif()
    exif[DATETIME] = "2024:05:02 09:00:00"
    exif[ExifTags.IFD.Exif] = {ExifTags.Base.OffsetTime: "+03:00", BODY_SERIAL: "SN-1"}
    source = tmp_path / "IMG_0004.jpg"
    source.write_bytes(jpeg_bytes(Image.new("RGB", (64, 48), "grey"), exif))

    result = process_photo(source, photo_dir)

    with Image.open(result.path) as output:
        assert set(output.getexif()) == {DATETIME, ExifTags.IFD.Exif}
        assert output.getexif()[DATETIME] == "2024:05:02 09:00:00"
        assert output.getexif().get_ifd(ExifTags.IFD.Exif) == {ExifTags.Base.OffsetTime: "+03:00"}
    assert result.taken_at == datetime(2024, 5, 2, 9, 0)


def test_placeholder_capture_time_is_dropped(tmp_path: Path, photo_dir: Path):
    exif = camera_exif()
    exif[DATETIME] = "    :  :     :  :  "
    exif[ExifTags.IFD.Exif] = {DATETIME_ORIGINAL: "0000:00:00 00:00:00"}
    source = tmp_path / "IMG_0002.jpg"
    source.write_bytes(jpeg_bytes(Image.new("RGB", (64, 48), "grey"), exif))

    result = process_photo(source, photo_dir)

    assert result.taken_at is None and result.gps is None
    with Image.open(result.path) as output:
        assert "exif" not in output.info


# Colour modes


def test_cmyk_jpeg_becomes_rgb_with_the_right_colours(corpus: Path, photo_dir: Path):
    result = process_photo(corpus / "pil_sample_cmyk.jpg", photo_dir)

    with Image.open(result.path) as output:
        assert output.mode == "RGB"
        # Red lettering and a red bar on black: an inverted CMYK decode would show cyan on white.
        bar, background = output.getpixel((5, 2)), output.getpixel((95, 95))
        assert bar[0] > 200 and bar[1] < 60 and bar[2] < 60
        assert max(background) < 40
        with Image.open(corpus / "pil_sample_cmyk.jpg") as source:
            assert mean_difference(output, source.convert("RGB")) < SAME_PICTURE


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (Image.new("I;16", (40, 30), 32768), (128, 128, 128)),  # scaled, not clipped to white
        (Image.new("LA", (40, 30), (0, 0)), (255, 255, 255)),  # transparent becomes white
        (Image.new("RGBA", (40, 30), (255, 0, 0, 255)), (255, 0, 0)),
        (Image.new("L", (40, 30), 60), (60, 60, 60)),
        (Image.new("1", (40, 30), 1), (255, 255, 255)),
        (Image.new("RGB", (40, 30), (0, 0, 255)).convert("P"), (0, 0, 255)),
    ],
    ids=["16-bit", "LA", "RGBA", "L", "1-bit", "P"],
)
def test_other_modes_become_rgb(photo_dir: Path, image: Image.Image, expected: tuple[int, ...]):
    result = process_photo(png_bytes(image), photo_dir)

    with Image.open(result.path) as output:
        assert output.mode == "RGB"
        assert output.getpixel((20, 15)) == pytest.approx(expected, abs=3)


# Unusual but valid files


@pytest.mark.parametrize(
    "name",
    ["invalid-exif.jpg", "multiple_exif.jpg", "hopper_16bit_qtables.jpg",
     "junk_jpeg_header.jpg", "flower2.jpg"],
)
def test_unusual_jpegs_are_processed(corpus: Path, photo_dir: Path, name: str):
    # junk_jpeg_header.jpg: Pillow skips the junk, so it is processed rather than refused.
    result = process_photo(corpus / name, photo_dir)

    with Image.open(corpus / name) as source, Image.open(result.path) as output:
        assert output.format == "JPEG" and output.mode == "RGB"
        assert output.size == source.size == (result.width, result.height)
        assert mean_difference(output, source) < SAME_PICTURE
    assert check_jpeg(result.path, max_pixels=2_000_000) == (result.width, result.height)


# Size


def test_a_12_megapixel_photo_is_decoded_at_reduced_size(
    twelve_megapixels: Path, photo_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    decoded_sizes: list[tuple[int, int]] = []
    original_load = ImageFile.ImageFile.load

    def recording_load(image: ImageFile.ImageFile) -> object:
        pixels = original_load(image)
        decoded_sizes.append(image.size)
        return pixels

    monkeypatch.setattr(ImageFile.ImageFile, "load", recording_load)
    # The spy does see a full-size decode, so a pipeline without draft would fail below.
    with Image.open(twelve_megapixels) as plain:
        plain.load()
    assert decoded_sizes == [(4000, 3000)]
    decoded_sizes.clear()

    result = process_photo(twelve_megapixels, photo_dir)

    assert (result.width, result.height) == (1600, 1200)
    assert set(decoded_sizes) == {(2000, 1500)}  # libjpeg decoded at half scale
    monkeypatch.undo()
    with Image.open(twelve_megapixels) as source, Image.open(result.path) as output:
        reference = source.resize((1600, 1200), Image.Resampling.LANCZOS)
        assert mean_difference(output, reference) < 3


def test_thumbnail_is_320_pixels_long_without_exif(twelve_megapixels: Path, photo_dir: Path):
    result = process_photo(twelve_megapixels, photo_dir)

    assert result.thumbnail_path == photo_dir / f"{result.sha256}.thumb.jpg"
    with Image.open(result.thumbnail_path) as thumbnail, Image.open(result.path) as photo:
        assert thumbnail.size == (320, 240)
        assert "exif" not in thumbnail.info
        assert mean_difference(thumbnail, photo.resize((320, 240))) < SAME_PICTURE


@pytest.mark.parametrize(
    ("size", "max_side", "expected"),
    [((640, 480), 1600, (640, 480)), ((1600, 900), 1600, (1600, 900)),
     ((30, 3000), 1600, (16, 1600)), ((4000, 3000), 800, (800, 600))],
)
def test_long_side_is_limited_and_small_photos_are_not_upscaled(
    photo_dir: Path, size: tuple[int, int], max_side: int, expected: tuple[int, int]
):
    source = jpeg_bytes(Image.new("RGB", size, "olive"))

    result = process_photo(source, photo_dir, max_side=max_side)

    assert (result.width, result.height) == expected
    with Image.open(result.path) as output:
        assert output.size == expected


@given(
    width=st.integers(1, 20_000), height=st.integers(1, 20_000), max_side=st.integers(1, 4000)
)
def test_fit_within_keeps_the_aspect_and_never_grows(width: int, height: int, max_side: int):
    fitted = fit_within((width, height), max_side)

    scale = min(Fraction(1), Fraction(max_side, max(width, height)))
    assert max(fitted) == min(max_side, max(width, height))
    for side, original in zip(fitted, (width, height)):
        assert 1 <= side <= original
        # Within half a pixel of the exact aspect, unless a sliver was widened to 1 pixel.
        assert abs(side - original * scale) <= Fraction(1, 2) or side == 1


# Storage


def test_files_are_named_by_the_sha256_of_their_bytes(photo_dir: Path):
    result = process_photo(sample_jpeg(), photo_dir)

    data = result.path.read_bytes()
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.path == photo_dir / f"{result.sha256}.jpg"
    assert result.bytes == len(data)
    assert files_in(photo_dir) == [f"{result.sha256}.jpg", f"{result.sha256}.thumb.jpg"]


def test_processing_the_same_photo_twice_gives_the_same_files(tmp_path: Path, photo_dir: Path):
    source = tmp_path / "IMG_0003.jpg"
    source.write_bytes(sample_jpeg())
    first = process_photo(source, photo_dir)
    first_bytes = first.path.read_bytes()

    again = process_photo(source, photo_dir)
    from_bytes = process_photo(source.read_bytes(), photo_dir)  # what Flet's web mode hands over

    assert first == again == from_bytes
    assert first.path.read_bytes() == first_bytes
    assert files_in(photo_dir) == [f"{first.sha256}.jpg", f"{first.sha256}.thumb.jpg"]


def test_a_failed_write_leaves_no_temp_file(photo_dir: Path, monkeypatch: pytest.MonkeyPatch):
    def full_disk(source: object, destination: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("field_app.photos.pipeline.os.replace", full_disk)

    with pytest.raises(OSError, match="No space left"):
        process_photo(sample_jpeg(), photo_dir)
    assert files_in(photo_dir) == []


# Refusals


def damaged_jpeg(marker: bytes, offset: int, length: int, fill: bytes | None = None) -> bytes:
    """The sample JPEG with length bytes, offset bytes after marker, overwritten by fill
    (or by seeded random bytes)."""
    data = sample_jpeg()
    start = data.index(marker) + offset
    replacement = fill * length if fill else random.Random(start).randbytes(length)
    return data[:start] + replacement + data[start + length:]


def jpeg_claiming(width: int, height: int) -> bytes:
    """The sample JPEG with its frame header claiming width x height pixels."""
    data = bytearray(sample_jpeg())
    frame = data.index(START_OF_FRAME)  # marker, length, precision, height, width
    data[frame + 5:frame + 9] = struct.pack(">HH", height, width)
    return bytes(data)


BAD_INPUTS = {
    "empty file": (lambda: b"", EmptyFileError),
    "text file": (lambda: b"Visit notes: all good.\n" * 20, NotAnImageError),
    "pdf header": (lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
                   NotAnImageError),
    "random bytes": (lambda: random.Random(7).randbytes(20_000), NotAnImageError),
    "gif image": (gif_bytes, NotAnImageError),
    "damaged jpeg header": (lambda: damaged_jpeg(START_OF_FRAME, 0, 6, b"\x55"),
                            CorruptImageError),
    "damaged jpeg data": (lambda: damaged_jpeg(START_OF_SCAN, 200, 700), CorruptImageError),
    "truncated jpeg header": (lambda: sample_jpeg()[:300], TruncatedImageError),
    "truncated jpeg data": (lambda: sample_jpeg()[:-2], TruncatedImageError),
    "decompression bomb png": (lambda: png_claiming(30_000, 30_000), ImageTooLargeError),
    # Between Pillow's limit and twice that, Pillow only warns.
    "png in pillow's warning band": (lambda: png_claiming(12_000, 10_000), ImageTooLargeError),
    "jpeg claiming 56 megapixels": (lambda: jpeg_claiming(8000, 7000), ImageTooLargeError),
    "huge png": (lambda: png_bytes(Image.new("1", (8000, 7000), 1)), ImageTooLargeError),
}


@pytest.mark.parametrize("as_path", [True, False], ids=["path", "bytes"])
@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_input_is_refused_and_leaves_no_file_behind(
    tmp_path: Path, photo_dir: Path, name: str, as_path: bool
):
    make, expected_error = BAD_INPUTS[name]
    data = make()
    source = tmp_path / "upload.bin"
    source.write_bytes(data)

    with warnings.catch_warnings(record=True) as caught, pytest.raises(expected_error) as refusal:
        warnings.simplefilter("always")
        process_photo(source if as_path else data, photo_dir)

    assert type(refusal.value) is expected_error
    assert caught == []  # a decompression bomb warning is a refusal, not a printed warning
    assert str(refusal.value).endswith(".")
    assert files_in(photo_dir) == []


def test_truncated_corpus_jpeg_is_refused(corpus: Path, photo_dir: Path):
    with pytest.raises(TruncatedImageError, match="truncated"):
        process_photo(corpus / "truncated_jpeg.jpg", photo_dir)

    assert files_in(photo_dir) == []
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_oversized_file_is_refused_before_it_is_decoded(tmp_path: Path, photo_dir: Path):
    source = tmp_path / "huge.jpg"
    with source.open("wb") as file:
        file.write(b"\xff\xd8\xff\xe0")
        file.truncate(MAX_FILE_BYTES + 1)  # sparse: cheap to make

    with pytest.raises(FileTooLargeError, match="40 MB"):
        process_photo(source, photo_dir)
    with pytest.raises(FileTooLargeError):
        process_photo(bytes(MAX_FILE_BYTES + 1), photo_dir)
    assert files_in(photo_dir) == []


def test_invalid_settings_are_programming_errors(photo_dir: Path):
    with pytest.raises(ValueError, match="quality"):
        process_photo(sample_jpeg(), photo_dir, quality=100)
    with pytest.raises(ValueError, match="max_side"):
        process_photo(sample_jpeg(), photo_dir, max_side=0)


# check_jpeg


def test_check_jpeg_returns_the_size_of_a_stored_photo(photo_dir: Path):
    result = process_photo(sample_jpeg(), photo_dir)

    assert check_jpeg(result.path, max_pixels=100_000) == (120, 160)
    assert check_jpeg(result.path.read_bytes(), max_pixels=100_000) == (120, 160)


def test_check_jpeg_refuses_what_the_server_must_not_store(photo_dir: Path):
    data = process_photo(sample_jpeg(), photo_dir).path.read_bytes()

    with pytest.raises(ImageTooLargeError):
        check_jpeg(data, max_pixels=160 * 120 - 1)
    with pytest.raises(TruncatedImageError):
        check_jpeg(data[: len(data) // 2], max_pixels=100_000)
    with pytest.raises(CorruptImageError):
        check_jpeg(damaged_jpeg(START_OF_SCAN, 200, 700), max_pixels=100_000)
    with pytest.raises(NotAnImageError):
        check_jpeg(png_bytes(Image.new("RGB", (10, 10))), max_pixels=100_000)


# The error catalogue


def test_every_photo_error_has_a_docstring_and_a_stable_code():
    classes = [value for value in vars(errors).values()
               if isinstance(value, type) and issubclass(value, PhotoError)]
    codes = [cls.code for cls in classes]

    assert len(classes) == 7
    assert len(set(codes)) == len(codes)
    for cls in classes:
        assert cls.__doc__ and "\n" not in cls.__doc__.strip(), cls
        assert cls.code.startswith("photo."), cls
