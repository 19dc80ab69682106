"""Flags when the requests of a sync meet on the server (issue 17, point 4), on SQLite and
PostgreSQL: a photo's upload ending while the PUT naming it computes its flags, and two
look-alike photos landing at once. Whichever request comes second, one of them sees the
other (evidence_store's docstring says how), so no flag is missed: each case is run many
times with the two requests released together."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from server_stub import evidence, evidence_store

from server_support import new_uuid, sha, upload
from test_photo_facts import near_copy
from test_server_evidence import camera_photo, codes, flags, honest, server, stop  # noqa: F401 (a fixture)

ROUNDS = 12


def together(*calls):
    """Run the calls on threads of their own, released at once; their results."""
    start = threading.Barrier(len(calls))

    def run(call):
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return [future.result() for future in [pool.submit(run, call) for call in calls]]


def test_a_photo_landing_while_a_revision_naming_it_is_put_is_judged(server):
    """The server takes a photo only for a visit that names it: revision 1 is stored first,
    then revision 2 (naming the photo too) and the photo's upload race."""
    anna = server.shopper()
    uploads = server.client(anna.token)  # a second connection, as the phone's upload worker
    missed = []
    for n in range(ROUNDS):
        # Taken at 18:00 in Moscow: hours after the visit, known only from the file.
        data = camera_photo(100 + n, taken="2026:11:22 18:00:00")
        uuid, assignment = new_uuid(), stop(server, anna)
        assert anna.client.put(f"/visits/{uuid}", json=honest(data, assignment_id=assignment)).status_code == 200
        again = honest(data, 2, assignment_id=assignment)
        put, uploaded = together(lambda: anna.client.put(f"/visits/{uuid}", json=again),
                                 lambda: upload(uploads, data))
        assert put.status_code == 200, put.text
        assert uploaded.status_code == 204, uploaded.text
        for number in (1, 2):
            if codes(server, uuid, number) != [evidence.PHOTO_TIME_OUTSIDE_VISIT]:
                missed.append((n, number, flags(server, uuid, number)))
    assert missed == []


def test_two_look_alikes_landing_at_once_name_each_others_visit(server):
    anna, boris = server.shopper(), server.shopper("Борис Иванов")
    missed = []
    for n in range(ROUNDS):
        original = camera_photo(200 + n)
        copy = near_copy(original)
        first, second = new_uuid(), new_uuid()
        for shopper, uuid, data in ((anna, first, original), (boris, second, copy)):
            answer = shopper.client.put(f"/visits/{uuid}", json=honest(data, assignment_id=stop(server, shopper)))
            assert answer.status_code == 200, answer.text
        assert codes(server, first) == codes(server, second) == []  # no photo has arrived
        done = together(lambda: upload(anna.client, original), lambda: upload(boris.client, copy))
        assert [r.status_code for r in done] == [204, 204]
        named = {uuid: [(code, numbers.get("other_visit"), numbers.get("photo_sha256"))
                        for code, numbers in flags(server, uuid)] for uuid in (first, second)}
        expected = {first: [(evidence.PHOTO_REUSED, second, sha(original))],
                    second: [(evidence.PHOTO_REUSED, first, sha(copy))]}
        if named != expected:
            missed.append((n, named))
    assert missed == []


def test_a_photo_s_upload_waits_for_the_put_that_took_its_turn(server):
    """Why one of the two always sees the other, shown without relying on a race: once a
    PUT's transaction holds a photo's turn (`hold_photos`), the end of that photo's upload
    looks for the revisions naming it only after the PUT has committed."""
    store, photo = server.store, "ab" * 32
    looked = threading.Event()
    with store.db.write() as conn:
        evidence_store.hold_photos(store, conn, [photo])
        waiting = threading.Thread(target=lambda: (evidence_store.photo_stored(store, photo), looked.set()))
        waiting.start()
        assert not looked.wait(0.5), "the upload did not wait for the PUT's transaction"
    waiting.join(10)
    assert looked.is_set()
