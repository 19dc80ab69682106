"""The rate of a stream measured from its chunks' arrival (the web client's recorder)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from field_app.audio.stream_rate import COMMON_RATES, SETTLE_S, RateMeter, nearest_rate


def test_the_nearest_common_rate_by_ratio():
    assert nearest_rate(44_000) == 44_100
    assert nearest_rate(46_500) == 48_000
    assert nearest_rate(16_300) == 16_000
    assert nearest_rate(170_000) == 96_000


def test_the_guess_holds_until_the_chunks_span_half_a_second():
    meter = RateMeter(48_000)
    meter.add(2048, 10.0)
    meter.add(2048, 10.0 + 2048 / 44_100)
    assert meter.measured is None and meter.rate == 48_000
    for n in range(2, 12):
        meter.add(2048, 10.0 + n * 2048 / 44_100)
    assert meter.measured is not None and 10.0 + 11 * 2048 / 44_100 - 10.0 >= SETTLE_S
    assert meter.rate == 44_100


@given(rate=st.sampled_from(COMMON_RATES), seconds=st.floats(3, 60),
       frames=st.sampled_from([256, 2048, 4096]),
       delays=st.lists(st.floats(0, 0.04), min_size=1, max_size=50))
def test_any_common_rate_is_found_through_up_to_40_ms_of_jitter_over_3_s(rate, seconds, frames, delays):
    # Each chunk leaves when its frames are recorded and arrives up to 40 ms later.
    meter = RateMeter(48_000 if rate != 48_000 else 44_100)
    for n in range(int(seconds * rate / frames)):
        meter.add(frames, (n + 1) * frames / rate + delays[n % len(delays)])
    assert meter.rate == rate
