"""Property-based requests from the OpenAPI document (schemathesis): whatever it sends,
the server answers without a server error, with documented statuses and bodies that fit
the document. Runs against a live server on each backend."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from field_app.domain.sync_messages import UPLOAD_CONTENT_TYPE
from server_stub.settings import Settings
from server_stub.web.app import create_app

from server_support import new_uuid, photo, revision

MAX_EXAMPLES = 30
# uvicorn's HTTP parser answers a request that is not valid HTTP (schemathesis's negative
# mode sends header names such as "y;" and a Content-Length of "sM") with a plain-text 400
# before the application sees it; the document describes the application's answers.
PARSER_REFUSAL = "Invalid HTTP request received."


def _for_the_app(check):
    def checked(ctx, response, case):
        if response.status_code == 400 and response.text == PARSER_REFUSAL:
            return None
        return check(ctx, response, case)

    checked.__name__ = check.__name__
    return checked


CHECKS = [not_a_server_error, *map(_for_the_app, [status_code_conformance, content_type_conformance,
                                                  response_schema_conformance])]


def _openapi_document() -> dict:
    # The document does not depend on the data: read it once from a throwaway server.
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(Settings(data_dir=Path(folder), checklists_dir=None))
        try:
            return app.openapi()
        finally:
            app.state.store.close()


@schemathesis.serializer(UPLOAD_CONTENT_TYPE)
def _raw_bytes(ctx, value) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


schema = schemathesis.openapi.from_dict(_openapi_document())
schema.config.generation.update(max_examples=MAX_EXAMPLES, modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])


@schema.parametrize()
# The server is shared by the examples on purpose: they are requests against one server.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_no_request_makes_a_server_error(case, live_server):
    shopper = _shopper(live_server)
    token = live_server.shopper().token if case.method == "DELETE" else shopper.token
    # Unpairing revokes the token: each DELETE gets a phone of its own.
    case.call_and_validate(base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30,
                           checks=CHECKS)


def _shopper(live_server):
    """One paired shopper per server, with a visit and photo so that uploads get past
    "not yours" and meet the deeper checks."""
    known = getattr(live_server, "_fuzz_shopper", None)
    if known is None:
        known = live_server.shopper()
        assert known.client.put(f"/visits/{new_uuid()}", json=revision(photos=[photo(1)])).status_code == 200
        live_server._fuzz_shopper = known
    return known
