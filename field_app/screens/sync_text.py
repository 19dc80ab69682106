"""Sync in plain words, shared by the sync, pairing, Today and Settings screens: a
problem's reason from its stable code, sizes, and "when" in the shopper's language."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from field_app.domain.i18n import MissingTranslationError, Translator

from .sync_runner import failure_kind
from .words import long_date


def reason(t: Translator, code: str) -> str:
    """Why the server refused, from its problem code (`field_app.domain.problems`)."""
    try:
        return t(f"sync.problem.{code}")
    except MissingTranslationError:
        return t("sync.problem_other", code=code)


def problem_text(t: Translator, problem: Any) -> str:
    """A `SyncProblem`: no connection (it retries by itself), unpaired, or refused and why."""
    if problem.kind == "network":
        return t("sync.problem_network")
    if problem.kind == "unpaired":
        return t("sync.problem_unpaired")
    return t("sync.problem_refused", reason=reason(t, problem.code))


def pair_error_text(t: Translator, error: Exception) -> str | None:
    """What a failed pairing means; None for an error that is not the sync client's."""
    if getattr(error, "code", None) == "too_many_attempts":  # a 429, which the client files as "busy"
        return t("pair.error_refused", reason=reason(t, "too_many_attempts"))
    kind = failure_kind(error)
    if kind == "network":
        return t("pair.error_network")
    if kind == "refused":
        return t("pair.error_refused", reason=reason(t, getattr(error, "code", "") or ""))
    return None


def size_text(t: Translator, size: int) -> str:
    if size < 1024:
        return t("sync.size_b", value=size)
    if size < 1024 * 1024:
        return t("sync.size_kb", value=round(size / 1024))
    megabytes = f"{size / (1024 * 1024):.1f}".replace(".", t("sync.decimal_point"))
    return t("sync.size_mb", value=megabytes)


def when_text(t: Translator, at: datetime | None, now: datetime) -> str:
    """When the last sync succeeded: never, just now, minutes ago, today, yesterday, a date."""
    if at is None:
        return t("sync.never")
    ago = now - at
    if ago < timedelta(minutes=1):
        return t("sync.just_now")
    if ago < timedelta(hours=1):
        return t("sync.minutes_ago", minutes=int(ago.total_seconds() // 60))
    return _day_and_time(t, at, now)


def retry_text(t: Translator, at: datetime | None, now: datetime) -> str:
    """When the app sends a refused item again by itself (a `SyncProblem.retry_at`), and
    that "Sync now" sends it at once."""
    if at is None or at <= now:
        return t("sync.refused_retry_next")
    return t("sync.refused_retry_at", when=_day_and_time(t, at, now))


def _day_and_time(t: Translator, at: datetime, now: datetime) -> str:
    local, today = at.astimezone(), now.astimezone().date()
    time = local.strftime("%H:%M")
    if local.date() == today:
        return t("sync.today_at", time=time)
    if local.date() == today - timedelta(days=1):
        return t("sync.yesterday_at", time=time)
    if local.date() == today + timedelta(days=1):
        return t("sync.tomorrow_at", time=time)
    return t("sync.date_at", date=long_date(t, local.date()), time=time)  # as every date: by the language
