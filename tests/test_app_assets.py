"""The app's icon and splash image, where `flet build` reads them (assets/icon.png and
assets/splash.png at the app's root): PNG, square, large enough for every size the build
makes; the icon opaque (iOS refuses transparency, and an opaque icon is placed whole),
the splash transparent around its artwork (the splash colour shows there). flet-cli
1.0.5's own lookup picks them for a phone build, and its renderer makes every Android,
iOS and web size from them without a warning."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "assets"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name", ["icon.png", "splash.png"])
def test_the_image_is_a_square_png_of_at_least_512_px(name):
    path = ASSETS / name
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.width == image.height >= 512


def test_the_icon_is_opaque_and_the_splash_transparent_around_its_artwork():
    with Image.open(ASSETS / "icon.png") as icon:
        assert icon.convert("RGBA").getextrema()[3] == (255, 255)
    with Image.open(ASSETS / "splash.png") as splash:
        splash = splash.convert("RGBA")
        corners = [(0, 0), (splash.width - 1, 0), (0, splash.height - 1), (splash.width - 1, splash.height - 1)]
        assert all(splash.getpixel(corner)[3] == 0 for corner in corners)
        assert splash.getpixel((splash.width // 2, splash.height // 2))[3] == 255


class _NoHash:
    def update(self, value: object) -> None:
        pass


@pytest.mark.parametrize("target", ["apk", "ipa"])
def test_flet_build_finds_them_for_a_phone(target):
    from flet_cli.commands.build import Command

    command = Command(argparse.ArgumentParser())
    command.target_platform, command.verbose = target, 0
    assert command.find_platform_image(ASSETS, "icon", _NoHash()) == "icon.png"
    assert command.find_platform_image(ASSETS, "splash", _NoHash()) == "splash.png"


@pytest.mark.parametrize("platform", ["android", "ios", "web"])
def test_flet_makes_every_size_from_them_without_a_warning(platform):
    from flet_platform_assets import load_source, render_icons, render_splash

    icon, _ = load_source(ASSETS / "icon.png")
    icons = render_icons(icon, platform=platform, derived=True)  # derived: a generic icon.png
    splash, _ = load_source(ASSETS / "splash.png")
    splashes = render_splash(splash, platform=platform)
    assert icons.assets and splashes.assets
    assert icons.warnings == [] and splashes.warnings == []
