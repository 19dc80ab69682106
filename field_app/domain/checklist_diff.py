"""What changed between two versions of a checklist, item by item.

Items (questions and follow-ups) are matched by id, which stays the same across versions
of one checklist. A kept item may be reworded (its text changed), re-scored (anything
that changes its points: type, weight, an option's score, a band's limit or score) and
moved to another section, all at once. Labels, hints and market ranks are not compared.
"""

from __future__ import annotations

from dataclasses import dataclass

from .checklist import Band, Checklist, FollowUp, Option, Question

Item = Question | FollowUp


@dataclass(frozen=True)
class Place:
    """An item as one version has it; `section` is None for a follow-up."""

    id: str
    ref: str | None
    text: str
    section: str | None


@dataclass(frozen=True)
class ScoreChange:
    """One thing that scores an item differently. `what` is "type", "weight", "option"
    (`key` its id) or "band" (`key` its number from 1); `before` / `after` are the type,
    the weight, the `Option` or the `Band`, None where the version has no such option or band."""

    what: str
    key: str | None
    before: str | float | Option | Band | None
    after: str | float | Option | Band | None


@dataclass(frozen=True)
class Changed:
    """An item both versions have, as each has it."""

    before: Place
    after: Place
    score_changes: tuple[ScoreChange, ...] = ()


@dataclass(frozen=True)
class ChecklistDiff:
    added: tuple[Place, ...]
    removed: tuple[Place, ...]
    reworded: tuple[Changed, ...]
    rescored: tuple[Changed, ...]
    moved: tuple[Changed, ...]

    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.reworded or self.rescored or self.moved)


def diff_checklists(old: Checklist, new: Checklist) -> ChecklistDiff:
    """The changes that turn `old` into `new`: added and moved items in `new`'s order,
    removed ones in `old`'s."""
    before, after = _places(old), _places(new)
    added = tuple(place for item_id, (place, _) in after.items() if item_id not in before)
    removed = tuple(place for item_id, (place, _) in before.items() if item_id not in after)
    reworded, rescored, moved = [], [], []
    for item_id, (place, item) in after.items():
        if item_id not in before:
            continue
        was, old_item = before[item_id]
        if was.text != place.text:
            reworded.append(Changed(was, place))
        changes = _score_changes(old_item, item)
        if changes:
            rescored.append(Changed(was, place, changes))
        if was.section != place.section:
            moved.append(Changed(was, place))
    return ChecklistDiff(added, removed, tuple(reworded), tuple(rescored), tuple(moved))


def _score_changes(old: Item, new: Item) -> tuple[ScoreChange, ...]:
    changes: list[ScoreChange] = []
    if old.type != new.type:
        changes.append(ScoreChange("type", None, old.type, new.type))
    if old.weight != new.weight:
        changes.append(ScoreChange("weight", None, old.weight, new.weight))
    old_options = {o.id: o for o in old.options or []}
    new_options = {o.id: o for o in new.options or []}
    for option_id in [*old_options, *(i for i in new_options if i not in old_options)]:
        was, now = old_options.get(option_id), new_options.get(option_id)
        if _option_score(was) != _option_score(now):
            changes.append(ScoreChange("option", option_id, was, now))
    old_bands, new_bands = _bands(old), _bands(new)
    for number in range(1, max(len(old_bands), len(new_bands)) + 1):
        was = old_bands[number - 1] if number <= len(old_bands) else None
        now = new_bands[number - 1] if number <= len(new_bands) else None
        if _band_score(was) != _band_score(now):
            changes.append(ScoreChange("band", str(number), was, now))
    return tuple(changes)


def _places(checklist: Checklist) -> dict[str, tuple[Place, Item]]:
    places: dict[str, tuple[Place, Item]] = {}
    for section in checklist.sections:
        for q in section.questions:
            places.setdefault(q.id, (Place(q.id, q.ref, q.text, section.id), q))
    for f in checklist.follow_ups:
        places.setdefault(f.id, (Place(f.id, None, f.text, None), f))
    return places


def _bands(item: Item) -> list[Band]:
    return list(getattr(item, "bands", None) or [])


# What of an option or band scores; a missing one differs from an unscored one, since
# adding an answer that counts for nothing still changes which answers count.
def _option_score(option: Option | None) -> tuple[float | None] | None:
    return None if option is None else (option.score,)


def _band_score(band: Band | None) -> tuple[float | None, float | None] | None:
    return None if band is None else (band.max, band.score)
