"""Scores: each answered, scorable, shown question counts its score times its weight."""

from hypothesis import given, strategies as st

from field_app.domain.checklist import Band, Question
from field_app.domain.scoring import band_index, points

from samples import at, new_visit

bounds = st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=5, unique=True).map(sorted)


@given(bounds, st.floats(min_value=0, max_value=20_000, allow_nan=False))
def test_a_value_picks_the_first_band_it_does_not_exceed(maxima, value):
    bands = [Band(max=m, label=str(m)) for m in maxima] + [Band(label="rest")]
    i = band_index(bands, value)
    if bands[i].max is not None:
        assert value <= bands[i].max
    assert all(value > b.max for b in bands[:i])


answers = st.fixed_dictionaries({
    "greeted": st.booleans(),
    "parking": st.one_of(st.booleans(), st.just("na")),
    "consultant_wait": st.integers(min_value=0, max_value=900),
    "test_drive_now": st.sampled_from(["yes", "no", "none"]),
    "mirrors": st.booleans(),
    "rings": st.integers(min_value=0, max_value=12),
})


def fill(values):
    visit = new_visit()
    for qid, value in values.items():
        if qid == "consultant_wait":
            visit.timer(qid, "start", at(0))
            visit.timer(qid, "stop", at(value))
        elif value == "na":
            visit.mark_na(qid, at(1))
        else:
            visit.answer(qid, value, at(1))
    return visit


@given(answers)
def test_score_is_a_percentage_of_what_applied(values):
    visit = fill(values)
    score = visit.score(at(2000))
    assert 0 <= score.total.percent <= 100
    out_of = 1 + 1 + 1  # greeted, consultant_wait, rings
    out_of += 0 if values["parking"] == "na" else 2  # weight 2, N/A does not count
    out_of += 0 if values["test_drive_now"] == "none" else 2  # the choice and the shown mirrors
    assert score.total.out_of == out_of
    got = (values["greeted"] + (values["consultant_wait"] <= 300) + (values["rings"] <= 5)
           + (2 * values["parking"] if values["parking"] != "na" else 0))
    if values["test_drive_now"] != "none":
        got += (values["test_drive_now"] == "yes") + values["mirrors"]
    assert score.total.got == got


@given(answers)
def test_section_scores_add_up_to_the_total(values):
    score = fill(values).score(at(2000))
    assert sum(s.got for s in score.sections.values()) == score.total.got
    assert sum(s.out_of for s in score.sections.values()) == score.total.out_of


def test_hidden_questions_do_not_count_even_when_answered_before():
    visit = fill({"test_drive_now": "yes", "mirrors": False})
    assert "mirrors" in visit.score(at(10)).questions
    visit.answer("test_drive_now", "none", at(20))
    assert "mirrors" not in visit.score(at(30)).questions


def test_nothing_answered_has_no_percentage():
    assert new_visit().score(at(0)).total.percent is None


@given(st.floats(min_value=0, max_value=10, allow_nan=False), st.sampled_from([True, False]))
def test_weight_scales_points(weight, value):
    q = Question(id="x", text="x", type="yes_no", weight=weight)
    p = points(q, value)
    assert p.out_of == weight and p.got == (weight if value else 0)


def test_an_option_without_score_does_not_count():
    q = Question(id="x", text="x", type="choice", options=[
        {"id": "yes", "label": "Да", "score": 1}, {"id": "none", "label": "Не было"}])
    assert points(q, "none") is None
    assert points(q, "yes").got == 1


def test_text_and_photo_answers_are_not_scored():
    assert points(Question(id="t", text="t", type="text"), "хорошо") is None
