"""Backoff after network failures: exponential bounds with full jitter, never past the
cap, a give-up after too many failures in a row, and a fresh count after progress."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from field_app.sync import NetworkError, RetryPolicy, ServerRefusedError

policies = st.builds(
    RetryPolicy,
    base_s=st.floats(0.01, 5), factor=st.floats(1, 4), cap_s=st.floats(0.1, 120), max_failures=st.integers(1, 20),
)
unit = st.floats(0, 1, exclude_max=True)


@given(policy=policies, failures=st.integers(1, 10_000), r=unit)
def test_a_wait_is_jittered_below_the_exponential_bound_and_never_past_the_cap(policy, failures, r):
    bound = policy.bound(failures)
    assert bound <= policy.cap_s
    assert bound == pytest.approx(min(policy.cap_s, policy.base_s * policy.factor ** min(failures - 1, 64)))
    assert 0 <= policy.delay(failures, lambda: r) <= bound


@given(policy=policies, failures=st.integers(1, 200))
def test_the_bound_grows_with_each_failure_until_the_cap(policy, failures):
    assert policy.bound(failures) <= policy.bound(failures + 1)


@given(r=st.lists(unit, min_size=7, max_size=7))
def test_the_default_waits_double_from_half_a_second_with_full_jitter(r):
    policy = RetryPolicy(max_failures=100)
    values = iter(r)
    waits: list[float] = []
    backoff = policy.start(sleep=waits.append, random=lambda: next(values))
    for _ in r:
        backoff.failed(NetworkError("down"))
    bounds = [0.5, 1, 2, 4, 8, 16, 30]
    assert waits == pytest.approx([x * b for x, b in zip(r, bounds)])


def test_without_jitter_the_waits_are_the_bounds():
    waits: list[float] = []
    backoff = RetryPolicy(max_failures=100).start(sleep=waits.append, random=lambda: 1.0)
    for _ in range(9):
        backoff.failed(NetworkError("down"))
    assert waits == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]


def test_retry_after_is_honoured_up_to_the_cap():
    policy = RetryPolicy()
    assert policy.delay(1, lambda: 0.0, retry_after=12) == 12
    assert policy.delay(1, lambda: 0.0, retry_after=500) == policy.cap_s


def test_too_many_failures_in_a_row_give_up_with_the_last_error():
    waits: list[float] = []
    backoff = RetryPolicy(max_failures=3).start(sleep=waits.append, random=lambda: 1.0)
    backoff.failed(NetworkError("one"))
    backoff.failed(NetworkError("two"))
    with pytest.raises(NetworkError, match="three"):
        backoff.failed(NetworkError("three"))
    assert waits == [0.5, 1.0]


def test_progress_starts_the_count_again():
    waits: list[float] = []
    backoff = RetryPolicy(max_failures=3).start(sleep=waits.append, random=lambda: 1.0)
    for _ in range(10):  # a link that cuts after every bit of progress never gives up
        backoff.failed(NetworkError("cut"))
        backoff.progressed()
    assert waits == [0.5] * 10


def test_call_retries_network_failures_and_raises_a_refusal_at_once():
    attempts: list[int] = []
    waits: list[float] = []
    backoff = RetryPolicy().start(sleep=waits.append, random=lambda: 1.0)

    def flaky() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise NetworkError("down")
        return "ok"

    assert backoff.call(flaky) == "ok" and waits == [0.5, 1.0] and backoff.failures == 0

    def refused() -> None:
        attempts.append(1)
        raise ServerRefusedError("revision_conflict", "other content", 409)

    attempts.clear()
    with pytest.raises(ServerRefusedError):
        backoff.call(refused)
    assert len(attempts) == 1 and waits == [0.5, 1.0]
