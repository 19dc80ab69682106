"""Canonical JSON and sha256: the same content always gives the same bytes.

Defaults are left out, so a file that spells out `required: true` hashes like one that
does not, and adding an optional field to the format later changes no published hash.
"""

from __future__ import annotations

import hashlib
import json

from pydantic import BaseModel


def canonical_json(model: BaseModel) -> bytes:
    data = model.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sha256_of(model: BaseModel) -> str:
    return hashlib.sha256(canonical_json(model)).hexdigest()
