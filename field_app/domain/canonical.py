"""Canonical JSON: the same content always gives the same bytes (keys sorted, no spaces).

A checklist's hash leaves defaults out, so a file that spells out `required: true` hashes
like one that does not, and adding an optional field to the format later changes no
published hash. A visit revision keeps every field (it is the wire format), except the
ones its model names in `OMITTED_WHEN_EMPTY`: fields added after phones were in the field,
left out while empty so that an older phone's revision keeps the bytes it was stored with.
"""

from __future__ import annotations

import hashlib
import json

from pydantic import BaseModel

from .checklist import Checklist


def canonical_json(model: BaseModel) -> bytes:
    omitted = getattr(type(model), "OMITTED_WHEN_EMPTY", frozenset())
    empty = {name for name in omitted if not getattr(model, name)}
    return _dump(model.model_dump(mode="json", by_alias=True, exclude=empty or None))


def checklist_json(checklist: Checklist) -> bytes:
    return _dump(checklist.model_dump(mode="json", by_alias=True, exclude_defaults=True))


def checklist_sha256(checklist: Checklist) -> str:
    return hashlib.sha256(checklist_json(checklist)).hexdigest()


def _dump(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
