"""`min_duration_minutes` on a checklist (issue 17, point 4: too_fast): the least a real
visit or call takes. Absent, it is left out of the hash, so every published version keeps
its sha256 (test_checklist_photo_source.py holds them); present, it is part of the version."""

from __future__ import annotations

import pytest

from field_app.domain.canonical import checklist_json, checklist_sha256
from field_app.domain.checklist import MAX_DURATION_MINUTES
from field_app.domain.errors import ChecklistError
from field_app.domain.loader import parse_checklist

from samples import SHOWROOM, checklist


def with_minimum(value) -> dict:
    return {**SHOWROOM, "min_duration_minutes": value}


def test_absent_it_is_left_out_of_the_hash_and_present_it_is_in_it():
    base = checklist()
    assert base.min_duration_minutes is None
    timed = checklist(with_minimum(25))
    assert timed.min_duration_minutes == 25
    assert checklist_sha256(timed) != checklist_sha256(base)
    assert b'"min_duration_minutes":25' in checklist_json(timed)
    assert b"min_duration_minutes" not in checklist_json(base)


@pytest.mark.parametrize("value", [0, -5, MAX_DURATION_MINUTES + 1, 2.5, "полчаса"])
def test_a_minimum_that_is_no_whole_number_of_minutes_in_a_day_is_refused(value):
    import json

    with pytest.raises(ChecklistError) as refused:
        parse_checklist(json.dumps(with_minimum(value), ensure_ascii=False), "timed.yaml")
    assert "min_duration_minutes" in str(refused.value)
