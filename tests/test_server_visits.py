"""`PUT /visits/{uuid}` and `GET /visits/{uuid}`: idempotent revisions, conflicts, other
shoppers' visits, and revisions checked against their checklist."""

from __future__ import annotations

import copy
import json

from sqlalchemy import text

from server_stub import admin
from server_stub.visits import revision_of

from server_support import MINI_SHA, new_uuid, photo, revision, seed_dealers, sha


def count(server, table: str) -> int:
    with server.store.db.read() as conn:
        return conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()


def test_a_revision_is_stored_and_its_receipt_lists_the_photos_to_upload(live_server):
    anna = live_server.shopper()
    uuid = new_uuid()
    answer = anna.client.put(f"/visits/{uuid}", json=revision(photos=[photo(1), photo(2)]))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "uuid": uuid, "revision": 1, "revisions": [1], "status": "received",
        "missing_photos": sorted([sha(photo(1)), sha(photo(2))]),
        "missing_recordings": [],
    }
    assert anna.client.get(f"/visits/{uuid}").json() == answer.json()


def test_should_answer_the_same_receipt_and_write_nothing_when_a_revision_is_sent_twice(live_server):
    anna = live_server.shopper()
    uuid = new_uuid()
    first = anna.client.put(f"/visits/{uuid}", json=revision(photos=[photo(1)]))
    again = anna.client.put(f"/visits/{uuid}", json=revision(photos=[photo(1)]))
    assert again.status_code == 200
    assert again.json() == first.json()
    assert count(live_server, "visit_revisions") == 1
    assert count(live_server, "revision_photos") == 1


def test_should_answer_409_and_change_nothing_when_the_same_revision_has_other_content(live_server):
    anna = live_server.shopper()
    uuid = new_uuid()
    anna.client.put(f"/visits/{uuid}", json=revision(greeted=True))
    answer = anna.client.put(f"/visits/{uuid}", json=revision(greeted=False, photos=[photo(3)]))
    assert answer.status_code == 409
    assert answer.json()["code"] == "revision_conflict"
    assert count(live_server, "visit_revisions") == 1
    assert count(live_server, "revision_photos") == 0
    assert revision_of(live_server.store, uuid, 1).answers["greeted"].value is True


def test_a_new_revision_is_stored_beside_the_old_one(live_server):
    anna = live_server.shopper()
    uuid = new_uuid()
    anna.client.put(f"/visits/{uuid}", json=revision(1, greeted=False))
    answer = anna.client.put(f"/visits/{uuid}", json=revision(2, greeted=True))
    assert answer.status_code == 200
    assert answer.json()["revision"] == 2
    assert answer.json()["revisions"] == [1, 2]
    assert revision_of(live_server.store, uuid, 1).answers["greeted"].value is False
    assert revision_of(live_server.store, uuid, 2).answers["greeted"].value is True


def test_an_older_revision_arriving_late_is_kept_but_does_not_become_the_latest(live_server):
    anna = live_server.shopper()
    uuid = new_uuid()
    anna.client.put(f"/visits/{uuid}", json=revision(2))
    answer = anna.client.put(f"/visits/{uuid}", json=revision(1))
    assert answer.json()["revision"] == 2
    assert answer.json()["revisions"] == [1, 2]


def test_should_answer_404_and_change_nothing_for_another_shoppers_visit(live_server):
    anna, boris = live_server.shopper("Анна"), live_server.shopper("Борис")
    uuid = new_uuid()
    anna.client.put(f"/visits/{uuid}", json=revision(photos=[photo(1)]))

    for attempt in (revision(1, greeted=False), revision(2, photos=[photo(9)])):
        answer = boris.client.put(f"/visits/{uuid}", json=attempt)
        assert answer.status_code == 404
        assert answer.json()["code"] == "not_found"
    assert boris.client.get(f"/visits/{uuid}").status_code == 404
    assert anna.client.get(f"/visits/{uuid}").json()["revisions"] == [1]
    assert count(live_server, "visit_revisions") == 1
    assert count(live_server, "revision_photos") == 1


def test_an_unknown_visit_is_not_found(live_server):
    anna = live_server.shopper()
    answer = anna.client.get(f"/visits/{new_uuid()}")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"


def test_the_visit_id_must_be_a_uuid(live_server):
    anna = live_server.shopper()
    answer = anna.client.put("/visits/not-a-uuid", json=revision())
    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_request"
    assert "uuid" in answer.json()["message"]


def test_an_unpublished_checklist_version_is_refused(live_server):
    anna = live_server.shopper()
    body = revision()
    body["checklist"]["version"] = 7
    answer = anna.client.put(f"/visits/{new_uuid()}", json=body)
    assert answer.status_code == 404
    assert answer.json()["code"] == "checklist_not_found"


def test_a_checklist_with_another_hash_is_a_mismatch(live_server):
    anna = live_server.shopper()
    body = revision()
    body["checklist"]["sha256"] = "0" * 64
    answer = anna.client.put(f"/visits/{new_uuid()}", json=body)
    assert answer.status_code == 409
    assert answer.json()["code"] == "checklist_mismatch"
    assert MINI_SHA in answer.json()["message"]


def test_should_list_every_problem_when_the_revision_does_not_fit_its_checklist(live_server):
    anna = live_server.shopper()
    body = revision(greeted="yes please", photos=[photo(1)])
    body["answers"]["no_such_question"] = {"value": 1, "answered_at": "2026-11-22T10:05:00Z"}
    body["answers"]["test_drive_now"]["value"] = "maybe"
    body["answers"]["greeted"]["na"] = True
    body["timers"]["greeted"] = []
    body["photos"][0]["question_id"] = "rings"
    body["follow_ups"] = {"callback": {"value": 2, "answered_at": "2026-11-24T10:00:00Z"},
                          "ghost": {"value": True, "answered_at": "2026-11-24T10:00:00Z"}}
    answer = anna.client.put(f"/visits/{new_uuid()}", json=body)
    assert answer.status_code == 422
    assert answer.json()["code"] == "revision_invalid"
    message = answer.json()["message"]
    for part in ("answers.no_such_question", "answers.test_drive_now", "answers.greeted: cannot be answered N/A",
                 "timers.greeted", "'rings' takes at most 0 photo(s)", "follow_ups.callback", "follow_ups.ghost"):
        assert part in message
    assert count(live_server, "visits") == 0


def test_a_malformed_body_is_an_invalid_request(live_server):
    anna = live_server.shopper()
    body = revision()
    del body["started_at"]
    answer = anna.client.put(f"/visits/{new_uuid()}", json=body)
    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_request"
    assert "started_at" in answer.json()["message"]
    broken = anna.client.put(f"/visits/{new_uuid()}", content=b"{not json", headers={"Content-Type": "application/json"})
    assert broken.status_code == 422
    assert broken.json()["code"] == "invalid_request"


def test_the_assignment_must_be_the_shoppers_own(live_server):
    anna, boris = live_server.shopper("Анна"), live_server.shopper("Борис")
    seed_dealers(live_server.store, "D1")
    plan = admin.assign(live_server.store, anna.id, live_server.store.now().date(), "D1", "mini_showroom")
    mine = anna.client.put(f"/visits/{new_uuid()}", json=revision(assignment_id=plan.assignment_id))
    assert mine.status_code == 200
    for assignment_id in (plan.assignment_id, "as_unknown"):
        answer = boris.client.put(f"/visits/{new_uuid()}", json=revision(assignment_id=assignment_id))
        assert answer.status_code == 422
        assert answer.json()["code"] == "assignment_not_found"
    assert count(live_server, "visits") == 1


def test_a_photo_must_keep_one_size(live_server):
    anna = live_server.shopper()
    first = anna.client.put(f"/visits/{new_uuid()}", json=revision(photos=[photo(1)]))
    assert first.status_code == 200
    body = revision(photos=[photo(1)])
    body["photos"][0]["bytes"] += 1
    answer = anna.client.put(f"/visits/{new_uuid()}", json=body)
    assert answer.status_code == 422
    assert "bytes elsewhere" in answer.json()["message"]


def test_a_photo_may_not_promise_more_bytes_than_the_server_accepts(live_server):
    anna = live_server.shopper()
    body = revision(photos=[photo(1)])
    body["photos"][0]["bytes"] = live_server.settings.max_photo_bytes + 1
    answer = anna.client.put(f"/visits/{new_uuid()}", json=body)
    assert answer.status_code == 422
    assert answer.json()["code"] == "revision_invalid"


def test_a_returned_visit_is_received_again_with_its_next_revision(live_server):
    anna = live_server.shopper()
    uuid = new_uuid()
    anna.client.put(f"/visits/{uuid}", json=revision(1))
    admin.review_visit(live_server.store, uuid, "return", "Фото фасада размыто", by="olga")
    assert anna.client.get(f"/visits/{uuid}").json()["status"] == "returned"
    # The same revision again (a retry) changes nothing.
    assert anna.client.put(f"/visits/{uuid}", json=revision(1)).json()["status"] == "returned"
    assert anna.client.put(f"/visits/{uuid}", json=revision(2)).json()["status"] == "received"
    admin.review_visit(live_server.store, uuid, "approve", "", by="olga")
    assert anna.client.get(f"/visits/{uuid}").json()["status"] == "approved"


def test_concurrent_retries_of_one_revision_store_it_once(live_server):
    from concurrent.futures import ThreadPoolExecutor

    anna = live_server.shopper()
    uuid = new_uuid()
    body = revision(photos=[photo(1)])
    clients = [live_server.client(anna.token) for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda c: c.put(f"/visits/{uuid}", json=copy.deepcopy(body)), clients))
    assert {a.status_code for a in answers} == {200}
    assert count(live_server, "visit_revisions") == 1


def test_a_checklist_published_after_start_is_accepted(live_server, tmp_path):
    import yaml

    from samples import SHOWROOM

    data = copy.deepcopy(SHOWROOM) | {"version": 2, "title": "Мини-визит 2"}
    path = tmp_path / "mini_showroom" / "2.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    published = admin.publish_checklist(live_server.store, path)
    anna = live_server.shopper()
    body = revision()
    body["checklist"] = {"id": "mini_showroom", "version": 2, "sha256": published.sha256}
    assert anna.client.put(f"/visits/{new_uuid()}", json=body).status_code == 200



def test_numbers_too_large_for_the_database_are_refused_not_crashed_on(live_server):
    anna = live_server.shopper()
    huge = revision(2**63)
    answer = anna.client.put(f"/visits/{new_uuid()}", json=huge)
    assert (answer.status_code, answer.json()["code"]) == (422, "revision_invalid")
    body = revision()
    body["checklist"]["version"] = 2**70
    answer = anna.client.put(f"/visits/{new_uuid()}", json=body)
    assert (answer.status_code, answer.json()["code"]) == (404, "checklist_not_found")


def put_ascii(shopper, body: dict):
    """JSON may spell a lone surrogate as an escape; httpx would not encode it raw."""
    return shopper.client.put(f"/visits/{new_uuid()}", content=json.dumps(body).encode(),
                              headers={"Content-Type": "application/json"})


def test_text_the_database_cannot_hold_is_refused_not_crashed_on(live_server):
    anna = live_server.shopper()
    surrogate = revision()
    surrogate["answers"]["greeted"]["comment"] = "\ud800"
    answer = put_ascii(anna, surrogate)
    assert (answer.status_code, answer.json()["code"]) == (422, "revision_invalid")
    nul = revision(assignment_id="as_\x00")
    assert anna.client.put(f"/visits/{new_uuid()}", json=nul).json()["code"] == "assignment_not_found"
    bad_checklist = revision()
    bad_checklist["checklist"]["id"] = "mini\x00"
    assert anna.client.put(f"/visits/{new_uuid()}", json=bad_checklist).json()["code"] == "checklist_not_found"
    unknown_key = revision()
    unknown_key["answers"]["\udc00"] = {"value": 1, "answered_at": "2026-11-22T10:05:00Z"}
    answer = put_ascii(anna, unknown_key)
    assert (answer.status_code, answer.json()["code"]) == (422, "revision_invalid")
    # NUL inside answers is JSON-escaped in the stored payload: it is kept, not refused.
    nul_comment = revision()
    nul_comment["answers"]["greeted"]["comment"] = "a\x00b"
    assert anna.client.put(f"/visits/{new_uuid()}", json=nul_comment).status_code == 200


def test_a_moment_out_of_range_is_an_invalid_request(live_server):
    anna = live_server.shopper()
    answer = anna.client.put(f"/visits/{new_uuid()}", json=revision(started_at="0001-01-01T00:00:00+05:00"))
    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_request")


def test_a_visit_from_the_end_of_the_calendar_is_stored(live_server):
    anna = live_server.shopper()
    body = revision(started_at="9999-12-31T10:00:00Z", finalized_at="9999-12-31T23:00:00Z")
    answer = anna.client.put(f"/visits/{new_uuid()}", json=body)
    assert answer.status_code == 200, answer.text
    assert anna.client.get("/sync/pull").json()["follow_ups_due"][0]["due_at"].startswith("9999-12-31")
