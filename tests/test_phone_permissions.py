"""What a phone build asks the shopper for, as flet-cli 1.0.5 reads it from pyproject.toml:
the location while the app is in use (a fix at a visit's start and finalization and with
each photo, issue 17), never in the background, explained in Russian on iOS; and a phone
without GPS may still install the app.

flet-cli's own `setup_template_data` merges `[tool.flet].permissions`, `[tool.flet.ios.info]`
and `[tool.flet.android.*]` into what its Flutter template renders (AndroidManifest.xml
writes `<uses-permission>` only for a permission set to true). It runs here up to that
point: the Python release it would download a manifest for is given by hand.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]


def template_options(target: str) -> dict:
    """The `options` flet-cli gives its Flutter template for `flet build <target>`."""
    from flet_cli.commands.build import Command
    from flet_cli.utils.pyproject_toml import load_pyproject_toml

    parser = argparse.ArgumentParser()
    command = Command(parser)  # adds its arguments to the parser
    command.options = parser.parse_args([target, str(ROOT), "--python-version", "3.12"])
    command.python_app_path = ROOT
    command.get_pyproject = load_pyproject_toml(ROOT)
    command.config_platform, command.package_platform = {"apk": ("android", "Android"), "ipa": ("ios", "iOS")}[target]
    command.target_platform = target
    command.debug_platform = None
    command.flutter_dir = ROOT / "build" / "flutter"  # only named, never written
    # What `resolve_python_version` would read from a downloaded manifest.
    command.python_release = SimpleNamespace(short="3.12", android_abis=["arm64-v8a", "x86_64"], pyodide="")

    def stop(code, message=""):
        raise AssertionError(f"flet build stops ({code}): {message}")

    command.cleanup = stop
    command.setup_template_data()
    return command.template_data["options"]


@pytest.fixture(scope="module")
def android() -> dict:
    return template_options("apk")


@pytest.fixture(scope="module")
def ios() -> dict:
    return template_options("ipa")


def test_android_asks_for_the_location_while_in_use_and_never_in_the_background(android):
    granted = {name for name, value in android["android_permissions"].items() if value is True}
    assert {"android.permission.ACCESS_FINE_LOCATION", "android.permission.ACCESS_COARSE_LOCATION"} <= granted
    assert "android.permission.ACCESS_BACKGROUND_LOCATION" not in granted
    assert "android.permission.CAMERA" in granted


def test_a_phone_without_gps_may_install_the_app(android):
    features = android["android_features"]
    assert features["android.hardware.location.gps"] is False
    assert features["android.hardware.location.network"] is False


def test_ios_says_in_russian_why_it_asks_for_the_location(ios):
    why = ios["info_plist"]["NSLocationWhenInUseUsageDescription"]
    assert "визит" in why and "координатор" in why  # what it is for, and who sees it
    assert not any(ch.isascii() and ch.isalpha() for ch in why), why
    # The app never asks for the location in the background.
    assert "NSLocationAlwaysAndWhenInUseUsageDescription" not in ios["info_plist"]
    assert "NSLocationAlwaysUsageDescription" not in ios["info_plist"]


def test_ios_says_in_russian_why_it_asks_for_the_camera(ios):
    """The shoppers read Russian; iOS shows this text once, when the camera is first asked for."""
    why = ios["info_plist"]["NSCameraUsageDescription"]
    assert "визит" in why and "координатор" in why
    assert not any(ch.isascii() and ch.isalpha() for ch in why), why


def test_the_microphone_is_asked_for_in_russian_to_record_a_call(android, ios):
    """An audio question records a call on speaker (flet-audio-recorder): Android needs
    RECORD_AUDIO, and iOS shows this text once, when the microphone is first asked for."""
    granted = {name for name, value in android["android_permissions"].items() if value is True}
    assert "android.permission.RECORD_AUDIO" in granted
    why = ios["info_plist"]["NSMicrophoneUsageDescription"]
    assert "звонок" in why and "координатор" in why
    assert not any(ch.isascii() and ch.isalpha() for ch in why), why
