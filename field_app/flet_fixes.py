"""A fix to Flet 1.0.5 (pinned), applied when the app starts.

A method call to a control (a field's `focus`, a list's `scroll_to`) is answered by the
client a moment later. If the control left the page meanwhile (the shopper tapped Back
right after «Комментарий»), Flet's session raises on the answer: in the web client that
ends the session's receive loop, after which no tap reaches the app, and the caller
waiting for the answer waits for ever. Here the answer still ends the wait, and the
control's absence is only logged.
"""

from __future__ import annotations

import logging

from flet.messaging.session import Session

log = logging.getLogger(__name__)
_original = Session.handle_invoke_method_results


def _answer_even_for_a_control_gone(self: Session, control_id, call_id, result, error) -> None:
    try:
        _original(self, control_id, call_id, result, error)
    except RuntimeError:
        log.info("an answer for control %s, no longer on the page, ends its call", control_id)
        pending = self._Session__method_calls.pop(call_id, None)  # Flet 1.0.5's own fields
        if pending is not None:
            self._Session__method_call_results[pending] = (result, error)
            pending.set()


def apply() -> None:
    Session.handle_invoke_method_results = _answer_even_for_a_control_gone
