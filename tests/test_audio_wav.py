"""The WAV file a call is streamed into (`field_app/audio/wav.py`), read back with the
standard library's `wave`."""

from __future__ import annotations

import wave

import pytest
from hypothesis import given, settings, strategies as st

from field_app.audio.wav import WavWriter, recover, wav_header


def read(path):
    with wave.open(str(path), "rb") as file:
        return file.getnchannels(), file.getsampwidth(), file.getframerate(), file.getnframes(), \
            file.readframes(file.getnframes())


def test_chunks_become_a_wav_of_their_length(tmp_path):
    writer = WavWriter(tmp_path / "call.wav", rate=16_000)
    for _ in range(25):
        writer.append(b"\x01\x02" * 1600)  # a tenth of a second
    path = writer.finish()
    channels, width, rate, frames, data = read(path)
    assert (channels, width, rate, frames) == (1, 2, 16_000, 40_000)
    assert frames / rate == 2.5 == writer.seconds
    assert data == b"\x01\x02" * 40_000
    assert path.stat().st_size == 44 + 80_000


def test_a_sample_split_between_chunks_is_kept_whole_and_a_lone_last_byte_dropped(tmp_path):
    writer = WavWriter(tmp_path / "call.wav", rate=8000)
    for chunk in (b"\x01", b"\x02\x03", b"\x04\x05"):
        writer.append(chunk)
    *_, frames, data = read(writer.finish())
    assert (frames, data) == (2, b"\x01\x02\x03\x04")


def test_the_limit_keeps_exactly_max_seconds(tmp_path):
    writer = WavWriter(tmp_path / "call.wav", rate=8000, max_seconds=1)
    writer.append(b"\x00\x01" * 6000)
    assert not writer.full
    writer.append(b"\x00\x01" * 6000)
    assert writer.full
    writer.append(b"\x00\x01" * 100)  # after the limit: dropped
    *_, rate, frames, _ = read(writer.finish())
    assert frames == 8000 and frames / rate == 1.0


def test_chunks_are_on_disk_before_the_stop(tmp_path):
    """A phone that dies in the middle of a call keeps what was recorded."""
    writer = WavWriter(tmp_path / "call.wav", rate=8000)
    writer.append(b"\x07\x00" * 4000)
    writer._file.flush()
    assert (tmp_path / "call.wav").stat().st_size == 44 + 8000
    writer.discard()
    assert not (tmp_path / "call.wav").exists()


@settings(max_examples=60, deadline=None)
@given(chunks=st.lists(st.binary(max_size=700), max_size=30), rate=st.sampled_from([8000, 16_000, 44_100]),
       channels=st.sampled_from([1, 2]))
def test_any_chunks_give_a_wav_whose_duration_is_samples_over_rate(tmp_path_factory, chunks, rate, channels):
    path = tmp_path_factory.mktemp("wav") / "call.wav"
    writer = WavWriter(path, rate=rate, channels=channels)
    for chunk in chunks:
        writer.append(chunk)
    writer.finish()
    sent = b"".join(chunks)
    whole = len(sent) - len(sent) % (2 * channels)
    got_channels, width, got_rate, frames, data = read(path)
    assert (got_channels, width, got_rate) == (channels, 2, rate)
    assert data == sent[:whole]
    assert frames == whole // (2 * channels)
    assert writer.seconds == frames / rate


def test_a_rate_learnt_while_recording_is_in_the_header_at_once(tmp_path):
    writer = WavWriter(tmp_path / "call.wav", 48_000)
    writer.append(b"\x01\x00" * 44_100)
    writer.set_rate(44_100)
    writer._file.flush()  # what a crash leaves: written, never finished
    assert recover(tmp_path / "call.wav") == 1.0
    with wave.open(str(tmp_path / "call.wav"), "rb") as file:
        assert (file.getframerate(), file.getnframes()) == (44_100, 44_100)


def test_recover_fixes_a_cut_off_recording_to_its_whole_frames(tmp_path):
    path = tmp_path / "call.wav"
    path.write_bytes(wav_header(0, 16_000, 1) + b"\x02\x00" * 24_000 + b"\x07")  # 1.5 s and half a sample
    assert recover(path) == 1.5
    with wave.open(str(path), "rb") as file:
        assert (file.getframerate(), file.getnchannels(), file.getnframes()) == (16_000, 1, 24_000)
        assert file.readframes(2) == b"\x02\x00\x02\x00"
    assert path.stat().st_size == 44 + 48_000


def test_recover_says_so_of_what_it_did_not_write(tmp_path):
    for name, content in (("empty.wav", b""), ("other.wav", b"ID3" + b"\x00" * 60)):
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ValueError):
            recover(tmp_path / name)
    only_header = tmp_path / "header.wav"
    only_header.write_bytes(wav_header(0, 16_000, 1))
    assert recover(only_header) == 0.0
