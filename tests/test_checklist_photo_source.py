"""`source: camera` on a photo question (issue 17, point 2): the format, its problem, and
what it leaves as it was: every version shipped before keeps the sha256 that visits
recorded against it are pinned to (docs/checklist-v2-format.md, "Live capture")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from field_app.domain.canonical import checklist_json, checklist_sha256
from field_app.domain.errors import ChecklistError
from field_app.domain.loader import load_checklist
from field_app.domain.registry import Registry

from samples import SHOWROOM, checklist

REPO = Path(__file__).resolve().parents[1]

# The sha256 of every shipped version: those published before `source` existed (1 and 2),
# the live-capture versions 3 of the visits and the calls-on-record versions 3 of the calls.
# Visits on phones and servers are pinned to these: a change here is a broken promise, not
# a test to update. A new version adds its line.
PUBLISHED = {
    ("dealer_call", 1): "00e0669c22fdacec79af5f28cf433d0492db7feeedeee82ed95e7aeb6418a31f",
    ("dealer_call", 2): "7290de41f9be10a9c67216d489de32c08bb6915b0bbce093ea29eef06fd0f5ba",
    ("dealer_call", 3): "cdd6de2ae9908f09d8c497d920c1fb93a0cbb98c97d0cc8fb0449354e4898950",
    ("roadside_assistance_call", 1): "4b20f360a48b9ddd841c2a5e97f787cfff4cda4fb77b144ce695add78cc50914",
    ("roadside_assistance_call", 2): "820b87bdeee4e44785702432001930cdd7c35f2f09756593f90c963a0136c8d2",
    ("roadside_assistance_call", 3): "129b9fd285f6449d1f911a68f599571149af96d2de878e82cff8d1464538105b",
    ("service_visit", 1): "cf76bde0d95906c0d28b7f0f2af15339a407c20ec52024e20f2cae1a13c95798",
    ("service_visit", 2): "113f658c8c4db0f997786ec16b71793500021b5795af42639bb92dbfd974c12b",
    ("service_visit", 3): "c7e87aeb74386ba0400efc0dce6c009354abf7e0e844b68ed611c936a219e856",
    ("showroom_visit", 1): "8bad6302f43cff14d99993111590e76693590aebce48ed0d3c40258e018e720e",
    ("showroom_visit", 2): "9f2aa051e90d00cdbfee194e27006f67303c8773f409d77e580d8cc195e75db8",
    ("showroom_visit", 3): "2cd4c44f4c0de6fd4dd14fb44df677c7ffeff92fed8710b8c94c23bd47dadbab",
}


def write(tmp_path, data):
    path = tmp_path / "1.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def with_question(change) -> dict:
    data = json.loads(json.dumps(SHOWROOM))
    change(data["sections"][0]["questions"])
    return data


def codes_of(tmp_path, data):
    with pytest.raises(ChecklistError) as caught:
        load_checklist(write(tmp_path, data))
    return [(p.question_id, p.field, p.code, p.values) for p in caught.value.problems]


# --- the format ------------------------------------------------------------------------


def test_a_photo_question_may_ask_for_the_camera(tmp_path):
    data = with_question(lambda qs: qs[0].update(source="camera"))  # front_photo, a photo question
    loaded = load_checklist(write(tmp_path, data))
    assert loaded.question("front_photo").source == "camera"
    assert loaded.question("front_photo").camera_only


def test_the_default_is_any_source(tmp_path):
    loaded = load_checklist(write(tmp_path, SHOWROOM))
    assert loaded.question("front_photo").source == "any"
    assert not loaded.question("front_photo").camera_only


def test_source_on_another_type_is_a_problem_with_its_field(tmp_path):
    data = with_question(lambda qs: qs[1].update(source="camera"))  # greeted, yes_no
    assert codes_of(tmp_path, data) == [("greeted", "source", "source_not_for_type", {"type": "yes_no"})]
    with pytest.raises(ChecklistError) as caught:
        load_checklist(write(tmp_path, data))
    assert "only a photo question has a source" in caught.value.problems[0].message


def test_source_any_spelled_out_on_another_type_is_a_problem_too(tmp_path):
    data = with_question(lambda qs: qs[1].update(source="any"))
    assert [c[2] for c in codes_of(tmp_path, data)] == ["source_not_for_type"]


def test_an_unknown_source_names_the_allowed_ones(tmp_path):
    data = with_question(lambda qs: qs[0].update(source="gallery"))
    [(qid, field, code, values)] = codes_of(tmp_path, data)
    assert (qid, field, code) == ("front_photo", "source", "not_one_of")
    assert "camera" in values["allowed"] and "any" in values["allowed"]


def test_the_console_words_the_new_problem_in_both_languages():
    for language in ("en", "ru"):
        path = REPO / "server_stub" / "console" / "translations" / language / "checklist_problems.json"
        words = json.loads(path.read_text(encoding="utf-8"))
        assert "{type}" in words["source_not_for_type"]


# --- identity --------------------------------------------------------------------------


def test_source_any_is_left_out_of_the_hash_and_camera_is_in_it():
    base = checklist_sha256(checklist())
    assert checklist_sha256(checklist(with_question(lambda qs: qs[0].update(source="any")))) == base
    camera = checklist(with_question(lambda qs: qs[0].update(source="camera")))
    assert checklist_sha256(camera) != base
    assert b'"source":"camera"' in checklist_json(camera)


def test_every_shipped_version_keeps_its_sha256():
    shipped = {(e.checklist.id, e.checklist.version): e.sha256 for e in Registry.shipped()}
    assert shipped == PUBLISHED
