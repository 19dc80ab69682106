"""The WAV file a call is streamed into (`field_app/audio/wav.py`), read back with the
standard library's `wave`."""

from __future__ import annotations

import wave

from hypothesis import given, settings, strategies as st

from field_app.audio.wav import WavWriter


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
