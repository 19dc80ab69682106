"""Retrying after network failures: exponential backoff with full jitter, bounded.

Full jitter (a random wait between 0 and the exponential bound) keeps a car park of phones
that lost the same cell from all coming back at the same instant. The count of failures is
of consecutive ones and starts again whenever something moves (a request succeeds, a
photo's offset on the server grows), so a link that cuts every few hundred KB still
finishes, while a link that moves nothing gives up after `max_failures`.
"""

from __future__ import annotations

import random as random_module
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from .errors import NetworkError, SyncError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait after the n-th failure in a row, and when to give up."""

    base_s: float = 0.5
    factor: float = 2.0
    cap_s: float = 30.0
    max_failures: int = 6

    def bound(self, failures: int) -> float:
        """The longest wait after `failures` failures in a row (the first failure is 1)."""
        # min() before the power would overflow for a long outage, so cap the exponent.
        exponent = min(max(failures - 1, 0), 64)
        return min(self.cap_s, self.base_s * self.factor ** exponent)

    def delay(self, failures: int, random: Callable[[], float] = random_module.random,
              retry_after: float | None = None) -> float:
        """A wait drawn uniformly below the bound; a server's Retry-After is honoured up
        to the cap."""
        wait = random() * self.bound(failures)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.cap_s))
        return wait

    def start(self, *, sleep: Callable[[float], None] = time.sleep,
              random: Callable[[], float] = random_module.random) -> Backoff:
        return Backoff(self, sleep=sleep, random=random)


class Backoff:
    """One run's count of failures in a row, and the waits between attempts. The photos in
    flight share it (each on its own thread): a link that moves nothing for any of them
    gives up after `max_failures` in all, and any photo's progress starts the count again."""

    def __init__(self, policy: RetryPolicy, *, sleep: Callable[[float], None],
                 random: Callable[[], float]) -> None:
        self.policy = policy
        self.failures = 0
        self.waits: list[float] = []
        self._sleep = sleep
        self._random = random
        self._lock = threading.Lock()

    def failed(self, error: SyncError) -> None:
        """Count a failure and wait before the next attempt; re-raise `error` when that
        makes too many in a row."""
        with self._lock:
            self.failures += 1
            failures = self.failures
            if failures >= self.policy.max_failures:
                raise error
            wait = self.policy.delay(failures, self._random, getattr(error, "retry_after", None))
            self.waits.append(wait)
        self._sleep(wait)

    def progressed(self) -> None:
        """Something moved: the next failure counts as the first."""
        with self._lock:
            self.failures = 0

    def call(self, attempt: Callable[[], T]) -> T:
        """Run `attempt` until it succeeds, retrying network failures only."""
        while True:
            try:
                result = attempt()
            except NetworkError as error:
                self.failed(error)
                continue
            self.progressed()
            return result
