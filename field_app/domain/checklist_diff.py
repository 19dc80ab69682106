"""What changed between two versions of a checklist, item by item.

Questions are matched by their standard id first (`Question.standard_id`: the `standard`,
else the `ref`), then, those left, by question id; follow-ups, which have no standard id,
by id. So a version 2 question `greeted_first` on standard 2.3 is the version 1 question
`greeted` on 2.3: the diff says which item became which (`renamed`). A kept item may be
reworded (its text changed), re-scored (anything that changes its points: type, weight,
an option's score, a band's limit or score) and moved to another section, all at once.
What a question asks for as evidence is compared too (`evidence`: a photo's source, any or
the camera only, how many photos it takes, how many recordings and how long each may be):
it changes what a shopper must bring, not the points. Labels, hints and market ranks are not compared.

Analytics and exports count a standard across versions, so two more things are told apart:
- `new_standard`: a question kept under its id that judges another standard now (another
  standard id): its answers are counted apart from the old one's from this version on;
- `redefined`: a standard kept under its id whose meaning may have changed: its type or
  what counts as met (an option's score, a band) changed, or the study's wording did. A
  new meaning needs a new standard id; a weight alone changes no answer's being met.
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
    standard: str | None = None  # the question's own `standard`, when it gives one
    study_text: str | None = None

    @property
    def standard_id(self) -> str | None:
        """What analytics count the item by across versions: `standard`, else `ref`."""
        return self.standard or self.ref


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
class EvidenceChange:
    """What a question asks for as evidence, changed. `what` is "source" (`before` /
    `after` "any" or "camera"), "photos" or "recordings" ((minimum, maximum) of them), or
    "seconds" (how long one recording may be; 0 on a question that takes none)."""

    what: str
    before: str | int | tuple[int, int]
    after: str | int | tuple[int, int]


@dataclass(frozen=True)
class Changed:
    """An item both versions have, as each has it."""

    before: Place
    after: Place
    score_changes: tuple[ScoreChange, ...] = ()
    evidence_changes: tuple[EvidenceChange, ...] = ()

    @property
    def by_standard(self) -> bool:
        """Matched by a standard id both have (else by id)."""
        return self.before.standard_id is not None and self.before.standard_id == self.after.standard_id

    @property
    def study_reworded(self) -> bool:
        """Both give the study's wording, and it differs."""
        return None not in (self.before.study_text, self.after.study_text) and \
            self.before.study_text != self.after.study_text


@dataclass(frozen=True)
class ChecklistDiff:
    added: tuple[Place, ...]
    removed: tuple[Place, ...]
    reworded: tuple[Changed, ...]
    rescored: tuple[Changed, ...]
    moved: tuple[Changed, ...]
    renamed: tuple[Changed, ...] = ()  # the same standard under another question id
    new_standard: tuple[Changed, ...] = ()  # the same question id judging another standard
    redefined: tuple[Changed, ...] = ()  # the same standard id, a type, scoring or study wording changed
    evidence: tuple[Changed, ...] = ()  # the photos a question asks for, or where from

    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.reworded or self.rescored or self.moved or self.renamed
                    or self.new_standard or self.redefined or self.evidence)


def diff_checklists(old: Checklist, new: Checklist) -> ChecklistDiff:
    """The changes that turn `old` into `new`: added and matched items in `new`'s order,
    removed ones in `old`'s."""
    before, after = _places(old), _places(new)
    pairs = _match(before, after)  # new id -> old id
    paired = set(pairs.values())
    added = tuple(place for item_id, (place, _) in after.items() if item_id not in pairs)
    removed = tuple(place for item_id, (place, _) in before.items() if item_id not in paired)
    reworded, rescored, moved, renamed, new_standard, redefined, evidence = [], [], [], [], [], [], []
    for item_id, (place, item) in after.items():
        if item_id not in pairs:
            continue
        was, old_item = before[pairs[item_id]]
        changes = _score_changes(old_item, item)
        pair = Changed(was, place, changes)
        if was.id != place.id:
            renamed.append(pair)
        if was.standard_id != place.standard_id:
            new_standard.append(pair)
        if pair.by_standard and (any(c.what != "weight" for c in changes) or pair.study_reworded):
            redefined.append(pair)
        if was.text != place.text:
            reworded.append(Changed(was, place))
        if changes:
            rescored.append(pair)
        if was.section != place.section:
            moved.append(Changed(was, place))
        asked = _evidence_changes(old_item, item)
        if asked:
            evidence.append(Changed(was, place, evidence_changes=asked))
    return ChecklistDiff(added, removed, tuple(reworded), tuple(rescored), tuple(moved), tuple(renamed),
                         tuple(new_standard), tuple(redefined), tuple(evidence))


def _match(before: dict[str, tuple[Place, Item]], after: dict[str, tuple[Place, Item]]) -> dict[str, str]:
    """Which old item each new one is (new id -> old id): by standard id, then by id."""
    old_by_standard = {p.standard_id: item_id for item_id, (p, _) in before.items() if p.standard_id is not None}
    pairs: dict[str, str] = {}
    taken: set[str] = set()
    for item_id, (place, _) in after.items():
        old_id = old_by_standard.get(place.standard_id) if place.standard_id is not None else None
        if old_id is not None and old_id not in taken:  # a standard id is judged once a version (rules.py)
            pairs[item_id] = old_id
            taken.add(old_id)
    for item_id in after:
        if item_id not in pairs and item_id in before and item_id not in taken:
            pairs[item_id] = item_id
            taken.add(item_id)
    return pairs


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


def _evidence_changes(old: Item, new: Item) -> tuple[EvidenceChange, ...]:
    if not (isinstance(old, Question) and isinstance(new, Question)):
        return ()
    changes: list[EvidenceChange] = []
    old_source, new_source = _photo_source(old), _photo_source(new)
    if old_source != new_source:
        changes.append(EvidenceChange("source", old_source, new_source))
    for what, measure in (("photos", Question.photo_range), ("recordings", Question.recording_range),
                          ("seconds", Question.recording_seconds)):
        if measure(old) != measure(new):
            changes.append(EvidenceChange(what, measure(old), measure(new)))
    return tuple(changes)


def _photo_source(question: Question) -> str:
    """Where a question's photos may come from ("any" for a question that takes none)."""
    return "camera" if question.camera_only else "any"


def _places(checklist: Checklist) -> dict[str, tuple[Place, Item]]:
    places: dict[str, tuple[Place, Item]] = {}
    for section in checklist.sections:
        for q in section.questions:
            places.setdefault(q.id, (Place(q.id, q.ref, q.text, section.id, q.standard, q.study_text), q))
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
