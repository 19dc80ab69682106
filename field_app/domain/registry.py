"""Known checklist versions, each immutable: `(id, version)` with one content only."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path, PurePath

from .canonical import checklist_sha256
from .checklist import Checklist
from .errors import ChecklistError, ConflictingVersionError, Problem, UnknownChecklistError
from .loader import parse_checklist
from .resources import shipped_checklists


@dataclass(frozen=True)
class Published:
    """A checklist version with the hash that travels with every visit."""

    checklist: Checklist
    sha256: str


class Registry:
    def __init__(self) -> None:
        self._versions: dict[tuple[str, int], Published] = {}

    def add(self, checklist: Checklist) -> Published:
        """Register a version; adding the same content again is harmless."""
        entry = Published(checklist, checklist_sha256(checklist))
        known = self._versions.get((checklist.id, checklist.version))
        if known is not None and known.sha256 != entry.sha256:
            raise ConflictingVersionError(
                f"{checklist.id}@{checklist.version} already exists with other content "
                f"(sha256 {known.sha256[:12]} vs {entry.sha256[:12]}); publish it as a new version"
            )
        self._versions[(checklist.id, checklist.version)] = entry
        return entry

    def get(self, checklist_id: str, version: int | None = None) -> Published:
        """One version, or the newest when `version` is None."""
        if version is None:
            versions = self.versions(checklist_id)
            if not versions:
                raise UnknownChecklistError(f"no checklist {checklist_id!r}")
            version = versions[-1]
        try:
            return self._versions[(checklist_id, version)]
        except KeyError:
            raise UnknownChecklistError(f"no checklist {checklist_id}@{version}") from None

    def versions(self, checklist_id: str) -> list[int]:
        return sorted(v for (i, v) in self._versions if i == checklist_id)

    def ids(self) -> list[str]:
        return sorted({i for (i, _) in self._versions})

    def __iter__(self):
        return iter(self._versions[key] for key in sorted(self._versions))

    @classmethod
    def from_directory(cls, root: str | Path | Traversable) -> "Registry":
        """Load `root/<id>/<version>.yaml`; the path must agree with the file's content.
        `root` may be package data (a wheel's or a zip's folder) as well as a path."""
        registry = cls()
        folder = Path(root) if isinstance(root, str) else root
        if isinstance(folder, Path) and not folder.is_dir():
            return registry
        for path, item in _yaml_files(folder):
            try:
                text = item.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ChecklistError(path, [Problem(str(path), None, None, "file_unreadable", {"reason": str(exc)})])
            checklist = parse_checklist(text, str(path))
            problem = layout_problem(path, checklist)
            if problem is not None:
                raise ChecklistError(path, [problem])
            registry.add(checklist)
        return registry

    @classmethod
    def shipped(cls) -> "Registry":
        """The checklists this package ships (the study's call, showroom and service visits)."""
        return cls.from_directory(shipped_checklists())


def _yaml_files(root: Path | Traversable) -> list[tuple[PurePath, Traversable]]:
    """`(path, file)` of every `<id>/<version>.yaml` under `root`, in name order."""
    found = []
    for folder in sorted((f for f in root.iterdir() if f.is_dir()), key=lambda f: f.name):
        for item in sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name):
            path = item if isinstance(item, PurePath) else PurePath(folder.name, item.name)
            found.append((path, item))
    return found


def layout_problem(path: PurePath, checklist: Checklist) -> Problem | None:
    """A file named `<version>.yaml` must sit in a folder named after its id."""
    if not path.stem.isdigit():
        return None
    if path.parent.name == checklist.id and path.stem == str(checklist.version):
        return None
    return Problem(str(path), None, "id", "misplaced", {"expected": f"{checklist.id}/{checklist.version}.yaml"})


def parse_reference(text: str) -> tuple[str, int | None]:
    """`showroom_visit@2` -> ("showroom_visit", 2); `showroom_visit` -> (..., None)."""
    checklist_id, _, version = text.partition("@")
    if version and not version.isdigit():
        raise ValueError(f"version must be a whole number: {text!r}")
    return checklist_id, int(version) if version else None
