"""Benchmark: the photo pipeline against the naive Pillow code, on a 12-megapixel photo.

Run as ``.venv/bin/python benchmarks/photos.py``. Builds a seeded, photo-like 4000x3000
JPEG (a dealership forecourt: sky, clouds, a building with signage, cars, asphalt, lens
softness and sensor noise), then times both ways in alternation and prints one JSON
object:

    naive_ms      median time of open + exif_transpose + LANCZOS resize + save (quality 90)
    pipeline_ms   median time of field_app.photos.process_photo (thumbnail and fsyncs included)
    ratio         naive_ms / pipeline_ms
    output_bytes  size of the pipeline's 1600x1200 JPEG
    psnr_db       the pipeline's JPEG against a full decode + LANCZOS resize of the source
"""

import io
import json
import math
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont, ImageOps, ImageStat

from field_app.photos import process_photo

WIDTH, HEIGHT = 4000, 3000
LONG_SIDE = 1600
REPETITIONS = 7
SEED = 20240501

Colour = tuple[int, int, int]


def main() -> None:
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        source = work / "IMG_0001.jpg"
        source.write_bytes(camera_jpeg(forecourt_scene(random.Random(SEED))))
        naive_out = work / "naive.jpg"
        stored = work / "photos"
        stored.mkdir()

        naive_times, pipeline_times = [], []
        naive_resize(source, naive_out)  # warm-up: imports, plugin registration, page cache
        result = process_photo(source, stored)
        for _ in range(REPETITIONS):
            naive_times.append(_milliseconds(naive_resize, source, naive_out))
            pipeline_times.append(_milliseconds(process_photo, source, stored))

        with Image.open(source) as original:
            reference = original.resize((result.width, result.height), Image.Resampling.LANCZOS)
        with Image.open(result.path) as output:
            psnr = psnr_db(output.convert("RGB"), reference)

    naive_ms = statistics.median(naive_times)
    pipeline_ms = statistics.median(pipeline_times)
    json.dump(
        {
            "naive_ms": round(naive_ms, 1),
            "pipeline_ms": round(pipeline_ms, 1),
            "ratio": round(naive_ms / pipeline_ms, 2),
            "output_bytes": result.bytes,
            "psnr_db": round(psnr, 2),
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


def naive_resize(source: Path, out: Path) -> None:
    """What a developer would write first."""
    with Image.open(source) as image:
        upright = ImageOps.exif_transpose(image)
        scale = LONG_SIDE / max(upright.size)
        size = (round(upright.width * scale), round(upright.height * scale))
        upright.resize(size, Image.Resampling.LANCZOS).save(out, "JPEG", quality=90)


def psnr_db(image: Image.Image, reference: Image.Image) -> float:
    """Peak signal-to-noise ratio over all RGB samples, in decibels."""
    rms_per_band = ImageStat.Stat(ImageChops.difference(image, reference)).rms
    mse = sum(rms**2 for rms in rms_per_band) / len(rms_per_band)
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def camera_jpeg(scene: Image.Image) -> bytes:
    """Encode like a phone camera: quality 92, with a typical EXIF block."""
    exif = Image.Exif()
    exif[0x010F] = "FieldPhone"  # Make
    exif[0x0110] = "FP-12"  # Model
    exif[0x0112] = 1  # Orientation: a conservative choice, rotating would slow the naive way
    exif[0x8769] = {0x9003: "2024:05:01 13:05:00", 0xA431: "SN-0042"}  # DateTimeOriginal, serial
    exif[0x8825] = {1: "N", 2: (55.0, 45.0, 20.9), 3: "E", 4: (37.0, 37.0, 12.3)}  # GPS
    buffer = io.BytesIO()
    scene.save(buffer, "JPEG", quality=92, exif=exif.tobytes())
    return buffer.getvalue()


def forecourt_scene(rng: random.Random) -> Image.Image:
    horizon = int(HEIGHT * 0.55)
    scene = _vertical_gradient((WIDTH, HEIGHT), (92, 142, 206), (214, 226, 236))
    _paste_clouds(scene, rng, horizon)
    ground = _vertical_gradient((WIDTH, HEIGHT - horizon), (96, 96, 100), (58, 58, 62))
    ground = ImageChops.add(ground, _grain((WIDTH, HEIGHT - horizon), rng, 3, 18), 1, -9)
    scene.paste(ground, (0, horizon))
    draw = ImageDraw.Draw(scene)
    _draw_building(scene, draw, rng, horizon)
    for centre in (260, 3740):
        _draw_tree(draw, rng, centre, horizon)
    for lane in range(1, 6):
        x = lane * WIDTH // 6
        draw.polygon([(x - 12, horizon + 40), (x + 12, horizon + 40),
                      (x + 90, HEIGHT), (x - 90, HEIGHT)], fill=(224, 222, 210))
    for index in range(4):
        _draw_car(scene, draw, rng, 150 + index * 960, horizon + 380 + rng.randint(-60, 160))
    shading = Image.radial_gradient("L").resize((WIDTH, HEIGHT), Image.Resampling.BICUBIC)
    vignette = Image.merge("RGB", [shading.point(lambda v: 255 - v // 5)] * 3)
    scene = ImageChops.multiply(scene, vignette).filter(ImageFilter.GaussianBlur(1.2))
    return ImageChops.add(scene, _grain((WIDTH, HEIGHT), rng, 1, 10), 1, -5)


def _vertical_gradient(size: tuple[int, int], top: Colour, bottom: Colour) -> Image.Image:
    mask = Image.linear_gradient("L").resize(size, Image.Resampling.BICUBIC)
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)


def _grain(size: tuple[int, int], rng: random.Random, grain: int, span: int) -> Image.Image:
    """Grey noise from 0 to span; grain > 1 makes it coarser (gravel rather than sensor)."""
    small = (size[0] // grain, size[1] // grain)
    noise = Image.frombytes("L", small, rng.randbytes(small[0] * small[1]))
    noise = noise.point(lambda v: v * span // 255).resize(size, Image.Resampling.BICUBIC)
    return Image.merge("RGB", [noise] * 3)


def _paste_clouds(scene: Image.Image, rng: random.Random, horizon: int) -> None:
    mask = Image.new("L", scene.size)
    draw = ImageDraw.Draw(mask)
    for _ in range(14):
        x, y = rng.randrange(WIDTH), rng.randrange(horizon // 2)
        w, h = rng.randint(300, 900), rng.randint(80, 220)
        draw.ellipse((x, y, x + w, y + h), fill=rng.randint(120, 230))
    mask = mask.filter(ImageFilter.GaussianBlur(60))
    scene.paste(Image.new("RGB", scene.size, (246, 246, 248)), (0, 0), mask)


def _draw_building(scene: Image.Image, draw: ImageDraw.ImageDraw, rng: random.Random,
                   horizon: int) -> None:
    left, top, right = 500, horizon - 900, 3500
    facade = _vertical_gradient((right - left, horizon - top), (212, 214, 218), (160, 164, 170))
    scene.paste(facade, (left, top))
    for row in range(3):
        for column in range(12):
            x, y = left + 60 + column * 245, top + 230 + row * 210
            glass = _vertical_gradient((200, 160), (40, 70, 110), (120, 150, 180))
            scene.paste(glass, (x, y))
            draw.line((x, y + rng.randint(20, 140), x + 200, y + rng.randint(0, 160)),
                      fill=(190, 205, 220), width=3)
    draw.rectangle((left, top + 40, right, top + 180), fill=(24, 60, 140))
    font = ImageFont.load_default(size=110)
    draw.text((left + 700, top + 50), "AUTO CENTER  SERVICE", font=font, fill=(250, 250, 250))
    for x in range(left, right, 14):  # corrugated cladding along the base
        draw.line((x, horizon - 120, x, horizon), fill=(120, 124, 130), width=5)


def _draw_tree(draw: ImageDraw.ImageDraw, rng: random.Random, centre: int, horizon: int) -> None:
    draw.rectangle((centre - 30, horizon - 500, centre + 30, horizon + 60), fill=(74, 56, 40))
    for _ in range(2500):  # foliage: the finest detail in the picture, as in real photos
        angle, distance = rng.uniform(0, 2 * math.pi), rng.uniform(0, 420) ** 0.5 * 20
        x = centre + distance * math.cos(angle)
        y = horizon - 900 + distance * math.sin(angle) * 1.2
        radius = rng.randint(6, 26)
        green = (rng.randint(20, 90), rng.randint(80, 160), rng.randint(20, 70))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=green)


def _draw_car(scene: Image.Image, draw: ImageDraw.ImageDraw, rng: random.Random,
              x: int, y: int) -> None:
    paint: Colour = (rng.randint(20, 230), rng.randint(20, 230), rng.randint(20, 230))
    highlight: Colour = (min(255, paint[0] + 60), min(255, paint[1] + 60), min(255, paint[2] + 60))
    body = _vertical_gradient((760, 230), highlight, paint)
    mask = Image.new("L", body.size)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, 759, 229), radius=70, fill=255)
    scene.paste(body, (x, y), mask)
    draw.polygon([(x + 160, y + 10), (x + 250, y - 150), (x + 520, y - 150), (x + 640, y + 10)],
                 fill=tuple(c // 2 for c in paint))
    draw.polygon([(x + 200, y), (x + 270, y - 125), (x + 500, y - 125), (x + 590, y)],
                 fill=(70, 90, 110))
    for wheel in (x + 90, x + 530):
        draw.ellipse((wheel, y + 150, wheel + 150, y + 300), fill=(20, 20, 22))
        draw.ellipse((wheel + 35, y + 185, wheel + 115, y + 265), fill=(170, 172, 176))
    draw.rectangle((x + 330, y + 150, x + 440, y + 185), fill=(235, 235, 225))  # plate
    draw.text((x + 338, y + 150), "A123BC", font=ImageFont.load_default(size=28), fill=(0, 0, 0))


def _milliseconds(function: Callable[..., object], *args: object) -> float:
    start = time.perf_counter()
    function(*args)
    return (time.perf_counter() - start) * 1000


if __name__ == "__main__":
    main()
