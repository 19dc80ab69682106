"""The production calendar and follow-up windows: known dates and properties."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st

from fieldaudit.cli import cli
from field_app.domain.checklist import DueRule
from field_app.domain.due import Anchors, check_zone, window, zone_or_default
from field_app.domain.errors import InvalidCalendarError, InvalidTimezoneError
from field_app.domain.workdays import WorkCalendar, parse_year, read_calendar_years, shipped_calendar

CAL = shipped_calendar()
MSK = ZoneInfo("Europe/Moscow")


def working_days(year: int, calendar: WorkCalendar = CAL) -> int:
    day, count = date(year, 1, 1), 0
    while day.year == year:
        count += calendar.is_working_day(day)
        day += timedelta(days=1)
    return count


@pytest.mark.parametrize("year, published", [(2023, 247), (2024, 248), (2025, 247), (2026, 247)])
def test_each_shipped_year_has_its_published_number_of_working_days(year, published):
    assert CAL.has_decree(year)
    assert working_days(year) == published


@pytest.mark.parametrize("day, working", [
    ("2026-03-09", False),  # 8 March on a Sunday: the Monday after is off (article 112)
    ("2026-05-11", False),  # 9 May on a Saturday
    ("2025-02-24", False),  # 23 February on a Sunday
    ("2026-01-09", False),  # decree: from Saturday 3 January
    ("2026-12-31", False),  # decree: from Sunday 4 January
    ("2025-11-01", True),   # decree: a working Saturday (its day off moved to 3 November)
    ("2025-11-03", False),
    ("2025-01-04", False),  # transferred from, but a holiday itself: stays off
    ("2024-12-28", True),
    ("2026-01-07", False),  # Christmas
    ("2026-02-23", False),
    ("2026-12-07", True),
    ("2023-11-06", False),  # 4 November 2023 on a Saturday
])
def test_known_days(day, working):
    assert CAL.is_working_day(date.fromisoformat(day)) is working


def test_a_year_without_its_decree_still_follows_article_112():
    bare = WorkCalendar()
    assert not bare.has_decree(2026)
    assert bare.is_working_day(date(2026, 1, 9))  # only the decree makes it a day off
    assert not bare.is_working_day(date(2026, 3, 9))  # article 112 alone moves 8 March
    added = bare.with_years([parse_year({"year": 2026, "transfers": [{"from": "2026-01-03", "to": "2026-01-09"}]})])
    assert not added.is_working_day(date(2026, 1, 9))


def rule(**kw) -> DueRule:
    return DueRule.model_validate(kw)


def test_seven_working_days_after_a_monday_end_on_the_wednesday_a_week_later():
    w = window(rule(within_working_days=7), Anchors(datetime(2026, 12, 7, 15, tzinfo=MSK)), "Europe/Moscow", CAL)
    assert w.opens_at == datetime(2026, 12, 7, 15, tzinfo=MSK)
    assert w.closes_at == datetime(2026, 12, 17, tzinfo=MSK)  # the end of Wednesday 16 December
    assert w.ask_at == w.closes_at


@pytest.mark.parametrize("visit_day, last_day", [("2026-12-10", "2026-12-21"), ("2026-12-11", "2026-12-22")])
def test_after_a_thursday_or_friday_visit_the_seventh_working_day_is_eleven_days_later(visit_day, last_day):
    start = datetime.combine(date.fromisoformat(visit_day), datetime.min.time(), MSK).replace(hour=11)
    w = window(rule(within_working_days=7), Anchors(start), "Europe/Moscow", CAL)
    assert w.closes_at == datetime.combine(date.fromisoformat(last_day) + timedelta(days=1), datetime.min.time(), MSK)


def test_holidays_push_the_end_further():
    # Tuesday 29 December 2026: 30 December, then the New Year holidays to 11 January.
    w = window(rule(within_working_days=2), Anchors(datetime(2026, 12, 29, 12, tzinfo=MSK)), "Europe/Moscow", CAL)
    assert w.closes_at == datetime(2027, 1, 12, tzinfo=MSK)


def test_the_day_is_the_dealerships_own():
    # 20:00 in Moscow on Monday is already Tuesday in Vladivostok.
    start = Anchors(datetime(2026, 12, 7, 20, tzinfo=MSK))
    moscow = window(rule(within_working_days=1), start, "Europe/Moscow", CAL)
    vladivostok = window(rule(within_working_days=1), start, "Asia/Vladivostok", CAL)
    assert moscow.closes_at == datetime(2026, 12, 9, tzinfo=MSK)
    assert vladivostok.closes_at == datetime(2026, 12, 10, tzinfo=ZoneInfo("Asia/Vladivostok"))


def test_a_window_counts_from_the_recorded_moment_and_falls_back_to_the_finish():
    r = rule(anchor={"question": "car_collected_at"}, window={"from": {"hours": 72}, "to": {"hours": 120}})
    start, finish = datetime(2026, 12, 7, 9, tzinfo=MSK), datetime(2026, 12, 7, 10, tzinfo=MSK)
    collected = datetime(2026, 12, 9, 18, tzinfo=MSK)
    w = window(r, Anchors(start, finish, {"car_collected_at": collected}), "Europe/Moscow", CAL)
    assert (w.opens_at, w.closes_at) == (collected + timedelta(days=3), collected + timedelta(days=5))
    unanswered = window(r, Anchors(start, finish, {}), "Europe/Moscow", CAL)
    assert unanswered.opens_at == finish + timedelta(days=3)


def test_a_working_days_window_opens_at_the_start_of_its_first_day():
    r = rule(window={"from": {"working_days": 3}, "to": {"working_days": 5}})
    w = window(r, Anchors(datetime(2026, 12, 7, 15, tzinfo=MSK)), "Europe/Moscow", CAL)
    assert (w.opens_at, w.closes_at) == (datetime(2026, 12, 10, tzinfo=MSK), datetime(2026, 12, 15, tzinfo=MSK))


@pytest.mark.parametrize("bad, words", [
    ({}, "exactly one"),
    ({"after_hours": 5, "within_working_days": 2}, "exactly one"),
    ({"window": {"from": {"hours": 1, "working_days": 1}, "to": {"hours": 2}}}, "exactly one of 'hours'"),
    ({"within_working_days": 0}, "greater than or equal to 1"),
])
def test_a_rule_says_what_is_wrong(bad, words):
    with pytest.raises(ValueError, match=words):
        DueRule.model_validate(bad)


@pytest.mark.parametrize("zone", ["Mars/Base", "Europe", "../etc/passwd", ""])
def test_a_zone_that_is_not_one_is_refused_in_words(zone):
    with pytest.raises(InvalidTimezoneError, match="not an IANA time zone"):
        check_zone(zone)


@pytest.mark.parametrize("text, words", [
    ("{", "not JSON"),
    ('{"year": 2027, "transfers": [{"from": "2027-01-02"}]}', "'from' and 'to'"),
    ('{"year": 2027, "transfers": [{"from": "2027-01-02", "to": "2028-05-03"}]}', "not in 2027"),
    ('{"year": "2027"}', "'year' must be a year"),
    ('{"years": [{"year": 2027}, {"year": 2027}]}', "given twice"),
    ('{"year": 2027, "tranfsers": []}', "unknown key"),
])
def test_a_bad_calendar_file_says_what_is_wrong(text, words):
    with pytest.raises(InvalidCalendarError, match=words):
        read_calendar_years(text)


ZONES = st.sampled_from(["Europe/Moscow", "Europe/Kaliningrad", "Asia/Yekaterinburg", "Asia/Vladivostok",
                         "Asia/Kamchatka"])
MOMENTS = st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2028, 6, 30), timezones=st.just(timezone.utc))
OFFSETS = st.one_of(st.builds(lambda h: {"hours": h}, st.integers(0, 400)),
                    st.builds(lambda d: {"working_days": d}, st.integers(1, 30)))
RULES = st.one_of(
    st.builds(lambda h: rule(after_hours=h), st.integers(1, 400)),
    st.builds(lambda d: rule(within_working_days=d), st.integers(1, 30)),
    st.builds(lambda a, b: rule(window={"from": a, "to": b}), OFFSETS, OFFSETS),
)


@given(RULES, MOMENTS, ZONES)
def test_a_window_never_closes_before_it_opens(r, at, zone):
    w = window(r, Anchors(at), zone, CAL)
    assert at <= w.opens_at <= w.closes_at == w.ask_at


@given(st.dates(min_value=date(2023, 1, 1), max_value=date(2028, 6, 30)), st.integers(1, 40))
def test_the_nth_working_day_is_a_working_day_with_n_working_days_up_to_it(day, n):
    last = CAL.working_day_after(day, n)
    assert CAL.is_working_day(last) and last > day
    span = [day + timedelta(days=i) for i in range(1, (last - day).days + 1)]
    assert sum(CAL.is_working_day(d) for d in span) == n


@given(RULES, MOMENTS, st.integers(0, 10 * 24 * 60), ZONES)
def test_a_later_anchor_never_closes_earlier(r, at, minutes_later, zone):
    earlier = window(r, Anchors(at), zone, CAL)
    later = window(r, Anchors(at + timedelta(minutes=minutes_later)), zone, CAL)
    assert later.closes_at >= earlier.closes_at and later.opens_at >= earlier.opens_at


def test_the_cli_prints_each_follow_ups_window_with_its_offset(tmp_path):
    folder = tmp_path / "lists" / "callback"
    folder.mkdir(parents=True)
    (folder / "1.yaml").write_text(json.dumps({
        "id": "callback", "version": 1, "title": "Звонок", "channel": "call",
        "sections": [{"id": "s", "title": "S", "questions": [
            {"id": "left_phone", "text": "Оставили ли вы телефон?", "type": "yes_no"}]}],
        "follow_ups": [
            {"id": "called_back", "text": "Перезвонили ли вам?", "type": "yes_no",
             "show_if": {"question": "left_phone", "equals": True},
             "due": {"anchor": "finish", "within_working_days": 7}},
            {"id": "mazda", "text": "Позвонили?", "type": "yes_no", "due": {"after_hours": 48},
             "brands": {"Mazda": {"window": {"from": {"hours": 72}, "to": {"hours": 120}}}}},
        ]}, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(cli, [
        "checklists", "due", "callback@1", "--start", "2026-12-10T08:00:00+00:00", "--finish",
        "2026-12-10T09:00:00+00:00", "--answers", '{"left_phone": true}', "--tz", "Asia/Vladivostok",
        "--brand", "MAZDA", "--json"], env={"FIELDAUDIT_CHECKLISTS": str(tmp_path / "lists")})
    assert result.exit_code == 0, result.output
    plans = {p["id"]: p for p in json.loads(result.output)["follow_ups"]}
    assert plans["called_back"] == {
        "id": "called_back", "rule": "within 7 working days of the finish", "asked": True,
        "opens_at": "2026-12-10T19:00:00+10:00", "closes_at": "2026-12-22T00:00:00+10:00",
        "ask_at": "2026-12-22T00:00:00+10:00"}
    assert plans["mazda"]["rule"] == "from 72 hours to 120 hours after the start"
    assert plans["mazda"]["ask_at"] == "2026-12-15T18:00:00+10:00"

    refused = CliRunner().invoke(cli, ["checklists", "due", "callback@1", "--start", "2026-12-10T08:00:00+00:00",
                                       "--answers", '{"left_phone": "maybe"}'],
                                 env={"FIELDAUDIT_CHECKLISTS": str(tmp_path / "lists")})
    assert refused.exit_code != 0 and "yes or no" in refused.output


def test_a_stored_zone_name_that_is_not_one_reads_as_moscow():
    assert zone_or_default("Asia/Yekaterinburg").key == "Asia/Yekaterinburg"
    assert zone_or_default(None).key == zone_or_default("Europe").key == zone_or_default("Марс/Олимп").key == "Europe/Moscow"
