"""Canonical JSON: the same content always gives the same bytes (keys sorted, no spaces).

A checklist's hash leaves defaults out, so a file that spells out `required: true` hashes
like one that does not, and adding an optional field to the format later changes no
published hash. A visit revision keeps every field: it is the wire format.
"""

from __future__ import annotations

import hashlib
import json

from pydantic import BaseModel

from .checklist import Checklist


def canonical_json(model: BaseModel) -> bytes:
    return _dump(model.model_dump(mode="json", by_alias=True))


def checklist_json(checklist: Checklist) -> bytes:
    return _dump(checklist.model_dump(mode="json", by_alias=True, exclude_defaults=True))


def checklist_sha256(checklist: Checklist) -> str:
    return hashlib.sha256(checklist_json(checklist)).hexdigest()


def _dump(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
