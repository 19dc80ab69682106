"""`show_if` is data: equals / in / not_in, all / any; hidden questions hide their dependants."""

from hypothesis import given, strategies as st

from field_app.domain.checklist import AllOf, AnyOf, QuestionIs
from field_app.domain.conditions import holds, referenced_questions

from field_app.domain.canonical import checklist_sha256
from field_app.domain.visit import Visit

from samples import SHOWROOM, T0, at, checklist, new_visit

values = st.sampled_from(["yes", "no", "none", True, False, 1, 0, None])
leaves = st.builds(
    lambda qid, kind, target: QuestionIs(question=qid, **{kind: target if kind == "equals" else [target]}),
    st.sampled_from(["a", "b", "c"]), st.sampled_from(["equals", "in", "not_in"]),
    st.sampled_from(["yes", "no", True, 1]),
)
conditions = st.recursive(leaves, lambda inner: st.one_of(
    st.builds(lambda parts: AllOf(all=parts), st.lists(inner, min_size=1, max_size=3)),
    st.builds(lambda parts: AnyOf(any=parts), st.lists(inner, min_size=1, max_size=3)),
), max_leaves=8)
answer_sets = st.fixed_dictionaries({"a": values, "b": values, "c": values})


def reference(condition, answers):
    """The meaning of a condition, written the plainest way."""
    if isinstance(condition, AllOf):
        return all(reference(c, answers) for c in condition.all)
    if isinstance(condition, AnyOf):
        return any(reference(c, answers) for c in condition.any)
    v = answers[condition.question]
    if v is None:
        return False
    same = lambda x: type(x) is type(v) and x == v  # noqa: E731
    if condition.equals is not None:
        return same(condition.equals)
    if condition.in_ is not None:
        return any(same(x) for x in condition.in_)
    return not any(same(x) for x in condition.not_in)


@given(conditions, answer_sets)
def test_conditions_mean_what_they_say(condition, answers):
    assert holds(condition, answers.get) == reference(condition, answers)


@given(conditions)
def test_every_referenced_question_is_listed(condition):
    assert set(referenced_questions(condition)) <= {"a", "b", "c"}


def test_yes_no_true_does_not_match_a_counter_of_one():
    assert not holds(QuestionIs(question="a", equals=True), {"a": 1}.get)
    assert not holds(QuestionIs(question="a", in_=[1]), {"a": True}.get)


def test_unanswered_hides_and_not_in_stays_false():
    assert not holds(QuestionIs(question="a", not_in=["no"]), {}.get)


def test_visibility_follows_answers_live():
    visit = new_visit()
    assert "mirrors" not in visit.visible(at(0))
    visit.answer("test_drive_now", "no", at(1))
    assert "mirrors" in visit.visible(at(1))
    visit.answer("test_drive_now", "none", at(2))
    assert "mirrors" not in visit.visible(at(2))


def test_a_question_depending_on_a_hidden_one_is_hidden_too():
    data = {**SHOWROOM, "sections": [dict(SHOWROOM["sections"][1])]}
    questions = list(data["sections"][0]["questions"])
    questions.insert(2, {"id": "mirrors_ok", "text": "Как зеркала", "type": "yes_no",
                         "show_if": {"question": "mirrors", "equals": True}})
    data["sections"][0] = {**data["sections"][0], "questions": questions}
    c = checklist(data)
    visit = Visit("v", c, checklist_sha256(c), T0)
    visit.answer("test_drive_now", "yes", at(1))
    visit.answer("mirrors", True, at(2))
    assert "mirrors_ok" in visit.visible(at(3))
    visit.answer("test_drive_now", "none", at(4))  # mirrors hidden, its answer stays stored
    assert {"mirrors", "mirrors_ok"}.isdisjoint(visit.visible(at(5)))
