"""Stopwatch time comes from stored wall-clock events, whatever happened in between."""

from datetime import timedelta

from hypothesis import given, strategies as st

from field_app.domain.records import TimerEvent
from field_app.domain.timers import is_meaningful, stopwatch_state

from samples import T0, at

offsets = st.lists(st.integers(min_value=0, max_value=10_000), min_size=0, max_size=12).map(sorted)


def alternating(times):
    """start, stop, start, stop... at the given offsets (in seconds)."""
    return [TimerEvent(event="start" if i % 2 == 0 else "stop", at=at(t)) for i, t in enumerate(times)]


@given(offsets, st.integers(min_value=0, max_value=5_000))
def test_elapsed_is_the_sum_of_closed_intervals_plus_the_open_one(times, extra):
    now = at((times[-1] if times else 0) + extra)
    state = stopwatch_state(alternating(times), now)
    starts, stops = times[0::2], times[1::2]
    expected = sum(b - a for a, b in zip(starts, stops))
    if len(starts) > len(stops):
        expected += (now - at(starts[-1])).total_seconds()
    assert state.elapsed_seconds == expected
    assert state.running == (len(times) % 2 == 1)


@given(offsets, st.integers(min_value=0, max_value=1000), st.integers(min_value=0, max_value=1000))
def test_a_running_stopwatch_only_moves_forward(times, a, b):
    events = alternating(times)
    base = times[-1] if times else 0
    first, second = sorted((a, b))
    earlier = stopwatch_state(events, at(base + first)).elapsed_seconds
    later = stopwatch_state(events, at(base + second)).elapsed_seconds
    assert later >= earlier
    if len(times) % 2 == 0:  # stopped: time does not move at all
        assert later == earlier


@given(offsets)
def test_double_taps_change_nothing(times):
    events = alternating(times)
    doubled = [e for e in events for _ in (0, 1)]
    now = at(20_000)
    assert stopwatch_state(doubled, now) == stopwatch_state(events, now)


@given(offsets, offsets)
def test_reset_forgets_everything_before_it(before, after):
    shift = (before[-1] if before else 0) + 1
    tail = alternating([t + shift for t in after])
    events = alternating(before) + [TimerEvent(event="reset", at=at(shift))] + tail
    now = at(shift + 20_000)
    assert stopwatch_state(events, now).elapsed_seconds == stopwatch_state(tail, now).elapsed_seconds


def test_the_app_closed_while_running_shows_the_right_time_on_return():
    events = [TimerEvent(event="start", at=T0)]
    # Nothing happens for an hour: no ticks were counted, the events are all there is.
    assert stopwatch_state(events, T0 + timedelta(hours=1)).elapsed_seconds == 3600


def test_a_clock_set_back_never_gives_negative_time():
    events = [TimerEvent(event="start", at=at(100)), TimerEvent(event="stop", at=at(40))]
    assert stopwatch_state(events, at(200)).elapsed_seconds == 0


def test_only_meaningful_taps_are_recorded():
    assert is_meaningful([], "start")
    assert not is_meaningful([], "stop")
    assert not is_meaningful([], "reset")
    running = [TimerEvent(event="start", at=T0)]
    assert not is_meaningful(running, "start")
    assert is_meaningful(running, "stop")
    assert is_meaningful(running, "reset")
