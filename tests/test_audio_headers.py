"""What the server reads of a recording's container (`server_stub/audio.py`): its kind
from its first bytes, its length from its header, and each refusal with its code."""

from __future__ import annotations

import pytest

from server_stub import audio, errors

from audio_samples import flac, m4a, ogg_opus, wav, webm


def facts(tmp_path, data: bytes) -> audio.AudioFacts:
    path = tmp_path / "recording"  # no suffix: the name says nothing
    path.write_bytes(data)
    return audio.read_audio(path)


def check(tmp_path, data: bytes, max_seconds: int = 60, max_bytes: int = 10_000_000) -> audio.AudioFacts:
    path = tmp_path / "recording"
    path.write_bytes(data)
    return audio.check_recording(path, max_seconds=max_seconds, max_bytes=max_bytes)


@pytest.mark.parametrize(("data", "container", "content_type", "seconds"), [
    (wav(2.5), "wav", "audio/wav", 2.5),
    (wav(1.0, rate=44100, channels=2), "wav", "audio/wav", 1.0),
    (m4a(12.25), "mp4", "audio/mp4", 12.25),
    (m4a(12.25, moov_last=False), "mp4", "audio/mp4", 12.25),
    (m4a(7.5, version=1), "mp4", "audio/mp4", 7.5),
    (m4a(3.0, brand=b"3gp4"), "3gp", "audio/3gpp", 3.0),
    (ogg_opus(42.0), "ogg", "audio/ogg", 42.0),
    (flac(9.5), "flac", "audio/flac", 9.5),
    (webm(), "webm", "audio/webm", None),
])
def test_each_container_is_told_by_its_bytes_and_its_length_read(tmp_path, data, container, content_type, seconds):
    found = facts(tmp_path, data)
    assert (found.container, found.content_type) == (container, content_type)
    assert found.seconds == (None if seconds is None else pytest.approx(seconds, abs=0.001))


def test_a_wav_that_a_recorder_left_unfinished_counts_what_the_file_holds(tmp_path):
    data = bytearray(wav(2.0))
    at = data.index(b"data")
    data[at + 4:at + 8] = b"\xff\xff\xff\xff"
    assert facts(tmp_path, bytes(data)).seconds == pytest.approx(2.0)


@pytest.mark.parametrize("data", [
    b"\xff\xd8\xff\xe0" + bytes(100),  # a JPEG
    b"ID3\x04" + bytes(100),  # an MP3
    b"",
    b"RIFF\x00\x00\x00\x00AVI " + bytes(100),
    b"hello, this is not audio at all",
])
def test_a_file_of_no_known_kind_is_refused(tmp_path, data):
    with pytest.raises(errors.AudioFormatError) as refused:
        facts(tmp_path, data)
    assert refused.value.problem.code == "audio_format_unknown"


@pytest.mark.parametrize("data", [
    wav(1.0)[:30],  # cut inside the fmt chunk
    wav(1.0)[:12] + b"data" + bytes(8),  # data before any fmt
    m4a(5.0)[:40],  # ftyp and part of mdat: the recorder never wrote moov
    m4a(5.0)[:-20],  # moov cut inside mvhd
    ogg_opus(5.0)[:20],
    flac(5.0)[:16],
])
def test_a_cut_or_damaged_header_is_refused(tmp_path, data):
    with pytest.raises(errors.AudioCorruptError) as refused:
        facts(tmp_path, data)
    assert refused.value.problem.code == "audio_corrupt"


def test_a_recording_within_its_limit_and_slack_is_taken(tmp_path):
    assert check(tmp_path, wav(64.0), max_seconds=60).seconds == pytest.approx(64.0)


def test_a_recording_longer_than_its_question_allows_is_refused(tmp_path):
    with pytest.raises(errors.AudioTooLongError) as refused:
        check(tmp_path, m4a(66.0), max_seconds=60)
    assert refused.value.problem.code == "audio_too_long"
    assert "66 s" in refused.value.message and "60 s" in refused.value.message


def test_a_webm_states_no_length_and_is_bounded_by_its_size(tmp_path):
    limit = (60 + audio.SLACK_SECONDS) * audio.UNKNOWN_LENGTH_BYTES_PER_SECOND
    assert check(tmp_path, webm(limit), max_seconds=60).seconds is None
    with pytest.raises(errors.AudioTooLongError):
        check(tmp_path, webm(limit + 1), max_seconds=60)


def test_a_recording_past_the_size_limit_is_refused_before_it_is_read(tmp_path):
    with pytest.raises(errors.AudioTooLargeError) as refused:
        check(tmp_path, b"not even audio" * 100, max_bytes=1000)
    assert refused.value.problem.code == "audio_too_large"
