"""One standard across versions: which items of a checklist's versions the tally of
standards met, the analytics and the exports count as one.

Each item has a key, the same in every version that judges the same thing:

- `standard:<id>`: a question with a standard id (its `standard`, else its `ref`), whatever
  its question id and wording in each version. A new meaning has a new standard id, so a
  new key.
- `follow_up:<id>`: a follow-up. The format gives follow-ups no `ref` or `standard`; their
  id is their only stable name, kept across versions as it always was.
- `item:<version>:<id>`: a question without a standard id, that version's own item, never
  counted together with another version's (docs/checklist-v2-format.md).

The keys of `visit_standards.items` and `month_tally.item_id` are these.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from field_app.domain.checklist import Checklist, FollowUp, Question

Item = Question | FollowUp


def key_of(version: int, item: Item) -> str:
    """The item's key: what its answers are counted and exported under."""
    if isinstance(item, FollowUp):
        return f"follow_up:{item.id}"
    if item.standard_id is not None:
        return f"standard:{item.standard_id}"
    return f"item:{version}:{item.id}"


@dataclass(frozen=True)
class Standard:
    """The items of one key, each as a version words it, newest version first."""

    key: str
    standard_id: str | None  # None for a follow-up and a question without one
    versions: tuple[tuple[int, Item], ...]

    @property
    def newest(self) -> Item:
        """The item as the newest version that has it words it."""
        return self.versions[0][1]

    @property
    def newest_version(self) -> int:
        return self.versions[0][0]

    def item_in(self, version: int) -> Item | None:
        return next((item for number, item in self.versions if number == version), None)


class Standards:
    """Every key of a checklist's versions: the newest version's items in its order, then
    those only older versions have, version by version, newest first."""

    def __init__(self, versions: Iterable[Checklist]):
        self.versions = sorted(versions, key=lambda c: -c.version)
        found: dict[str, list[tuple[int, Item]]] = {}
        for checklist in self.versions:
            for item in [*checklist.questions(), *checklist.follow_ups]:
                found.setdefault(key_of(checklist.version, item), []).append((checklist.version, item))
        self._by_key = {
            key: Standard(key, _standard_id(entries[0][1]), tuple(entries)) for key, entries in found.items()
        }
        self.questions = [s for s in self._by_key.values() if isinstance(s.newest, Question)]
        self.follow_ups = [s for s in self._by_key.values() if isinstance(s.newest, FollowUp)]

    def __contains__(self, key: str) -> bool:
        return key in self._by_key

    def __getitem__(self, key: str) -> Standard:
        return self._by_key[key]

    def all(self) -> list[Standard]:
        """Questions first, then follow-ups, each in the order described above."""
        return [*self.questions, *self.follow_ups]


def _standard_id(item: Item) -> str | None:
    return item.standard_id if isinstance(item, Question) else None
