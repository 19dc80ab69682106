"""The visit: one section at a time, every tap stored at once.

    app bar          dealership (or "unplanned visit") / checklist title
    progress         "Section 2 of 7", answered of visible questions, a bar
    questions        the section's title and a card per visible question (scrolls)
    running bar      over the bottom of the questions: running stopwatches of this visit
                     and of every other one, live; a tap jumps to one
    navigation       big Back / Next (on the last section: Check -> /review/<uuid>)

A tap calls the service, then only the changed card, the progress and (when `show_if`
answers change) the section's list of cards are redrawn; cards of untouched questions are
kept. A ticker redraws stopwatches every second from their stored events.

Sections change in place, in the one view of the visit (`/visit/<uuid>`): each section's
list is built once (the next one while the shopper reads the current one) and kept,
hidden, while another is shown; the section's route reaches the address bar a moment
after it is drawn (see `_go_to_section`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

import flet as ft

from field_app.domain.checklist import AnswerValue, Question, Section
from field_app.domain.visit import EDITABLE, Visit
from field_app.running import running_stopwatches

from .context import TOUCH, AppContext
from .call_recorder import CallRecorder
from .photos import PhotoStrip, takes_photos
from .questions import build_card, parse_number
from .stopwatch import RunningBar, StopwatchWidget, Ticker
from .typing import TypingSaver
from .visit_widgets import big_button, is_mounted, tagged, update_if_mounted

log = logging.getLogger(__name__)

# Session key: the question to scroll to once the section it is on has been opened.
FOCUS_KEY = "visit.focus"
# The next section is prepared this long after one is shown (what the shopper asked for
# goes out first; a tap is not kept waiting behind it).
PREPARE_DELAY = 0.05
# A section's route goes to the address bar this long after the section is shown.
ROUTE_DELAY = 0.4
CARD_MARGIN = ft.Margin.symmetric(horizontal=8)


@ft.control(isolated=True)
class SectionList(ft.Column):
    """A section's scrolling list. Isolated: an update of the Stack around it (a section
    shown, another hidden) does not walk the cards of every section kept in it."""


def is_done(visit: Visit, q: Question, now: datetime) -> bool:
    """Whether a shown question counts as answered for the progress bar."""
    answer = visit.answers.get(q.id)
    if answer is not None and answer.na:
        return True
    low = q.photo_range()[0]
    if q.type == "photo":
        return len(visit.photos_of(q.id)) >= max(1, low)
    return visit.value(q.id, now) is not None and len(visit.photos_of(q.id)) >= low


class VisitScreen:
    def __init__(self, ctx: AppContext, uuid: str, section_id: str | None, *,
                 question: str | None = None, from_review: bool = False) -> None:
        """`question`: the one to scroll to and mark (from the review's list of what is
        missing, `from_review`, which also puts a way straight back to the review)."""
        self.ctx = ctx
        self.uuid = uuid
        self.requested = section_id
        self.route = f"/visit/{uuid}/{section_id}" if section_id else f"/visit/{uuid}"
        self.marked = question
        self.from_review = from_review
        self.photo_lock = asyncio.Lock()
        self.visit: Visit
        self.section: Section
        self.slots: dict[str, ft.Container] = {}  # question id -> its card, while it is visible
        # section id -> its scrolling list
        self.lists: dict[str, SectionList] = {}
        self.noted: list[str] = []  # routes put in the address bar, their echo not yet back
        self.shown: list[str] = []
        self.stopwatches: dict[str, StopwatchWidget] = {}
        self.strips: dict[str, PhotoStrip] = {}
        self.calls: dict[str, CallRecorder] = {}  # audio question id -> its recorder
        self.thumbs: dict[str, bytes | None] = {}
        # field key -> its question, the field, how to store its text (see `save_pending`)
        self.text_fields: dict[str, tuple[str, ft.TextField, Callable[[str, str], None]]] = {}
        # what is typed is stored while it is typed, a moment after the last keystroke
        self.typing = TypingSaver(on_error=ctx.show_error)
        self.running_bar = RunningBar(self)
        self._view: ft.View | None = None

    # --- building ------------------------------------------------------------------

    def view(self) -> ft.View:
        service = self.ctx.service
        self.visit = service.visit(self.uuid)
        now = service.now()
        self.section_text = ft.Text(key="section-progress", size=14, weight=ft.FontWeight.W_500)
        self.answered_text = ft.Text(key="answered-progress", size=14, color=ft.Colors.GREY_700)
        self.bar = ft.ProgressBar(key="progress-bar", value=0, bar_height=6, border_radius=3)
        self.stack = ft.Stack(expand=True, controls=[self.running_bar.control()])
        self.navigation = ft.Container(padding=ft.Padding.all(8))
        self.running_bar.others = running_stopwatches(service, now)
        self._enter_section(now)
        self.running_bar.refresh(self.visit, now, update=False)

        self._view = ft.View(
            # The visit's, not the section's: a section changes in place under the same
            # view (a new route would be a new page to Flutter's navigator, drawn anew).
            route=f"/visit/{self.uuid}",
            padding=0,
            spacing=0,
            appbar=self._appbar(),
            controls=[
                ft.Container(
                    padding=ft.Padding.only(left=12, right=12, top=8, bottom=4),
                    content=ft.Column(spacing=4, controls=[
                        ft.Row(controls=[self.section_text, self.answered_text],
                               alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
                        self.bar,
                    ]),
                ),
                # the bar over the questions: its coming and going moves nothing
                self.stack,
                self.navigation,
            ],
        )
        self._view.data = self  # tests reach `tick()` through the view
        self._view.services.extend(strip.picker for strip in self.strips.values())
        if self.running_bar.others or any(q.type == "timer" for q in self.visit.checklist.questions()):
            self.ctx.page.run_task(Ticker(self._alive, self.tick).run)
        self._scroll_to_focus()
        self.ctx.page.run_task(self._prepare_next)
        return self._view

    def shows(self, uuid: str) -> bool:
        """Whether this screen is the visit `uuid` on top of the page (another of its
        sections is then shown in place: `show_section`)."""
        return uuid == self.uuid and self._view is not None and bool(self.ctx.page.views) \
            and self.ctx.page.views[-1] is self._view

    def show_section(self, section_id: str | None, *, question: str | None = None,
                     from_review: bool = False) -> None:
        """Show another section (or the same one marked anew) in this view: only the
        questions, the progress and the buttons change. A section's list stays once
        built, hidden while another is shown, so showing it again sends little more than
        a flag; the next one is prepared while the shopper reads this one."""
        self.save_pending()  # the fields of the section that goes
        self.visit = self.ctx.service.visit(self.uuid)
        self.requested, self.marked, self.from_review = section_id, question, from_review
        self.route = f"/visit/{self.uuid}/{section_id}" if section_id else f"/visit/{self.uuid}"
        now = self.ctx.service.now()
        services = len(self._view.services) if self._view is not None else 0
        changed = self._enter_section(now)
        for qid in self.shown:  # kept cards show the time now, not when last on screen
            if qid in self.stopwatches:
                self.stopwatches[qid].tick(self.visit, now, update=False)
        self.running_bar.refresh(self.visit, now, update=False)
        if self._view is not None and len(self._view.services) != services:
            changed.append(self._view)  # the file pickers of a new section's photo questions
        update_if_mounted(self.stack, *changed, self.navigation, self.section_text, self.answered_text, self.bar)
        self._scroll_to_focus()
        self.ctx.page.run_task(self._prepare_next)

    def _enter_section(self, now: datetime) -> list[ft.Control]:
        """Make the requested section the one shown: its list, progress and buttons.
        Returns what changed inside a list kept from before (the Stack's update does not
        look into them)."""
        service = self.ctx.service
        sections = self.visit.checklist.sections
        self.section = self._pick_section(sections)
        self.index = sections.index(self.section)
        if self.visit.status in EDITABLE and service.current_section(self.uuid) != self.section.id:
            service.set_section(self.uuid, self.section.id)
        if self.marked is not None:
            if self.marked in self.visit.visible(now) and self.section.id == self.visit.checklist.section_of(
                    self.marked).id:
                self.ctx.page.session.store.set(FOCUS_KEY, (self.uuid, self.marked))
            if not self.from_review or self.marked not in self.visit.visible(now):
                self.marked = None  # scrolled to (a stopwatch of another visit), not marked
        changed: list[ft.Control] = []
        for qid, slot in self.slots.items():
            if slot.border is not None and qid != self.marked:  # marked when last shown
                slot.content, slot.border = self._card(self.visit.question(qid), now), None
                changed.append(slot)
        if self.section.id in self.lists:
            self.body = self.lists[self.section.id]
            before = list(self.body.controls)
            self._compose(now)
            if any(a is not b for a, b in zip(before, self.body.controls)) or len(before) != len(
                    self.body.controls):
                changed.append(self.body)
        else:
            self.body = self._new_list(self.section)
            self._compose(now)
        for body in self.lists.values():
            body.visible = body is self.body
        if self.marked in self.slots and self.slots[self.marked] not in changed:
            changed.append(self.slots[self.marked])
        self._progress(now)
        self.navigation.content = self._navigation(sections)
        return changed

    def _new_list(self, section: Section) -> SectionList:
        """A section's scrolling list (its title, its cards, room for the running bar),
        hidden, in the Stack under the running bar."""
        body = SectionList(
            key=f"questions-{section.id}", spacing=8, visible=False, scroll=ft.ScrollMode.AUTO,
            disabled=self.visit.status not in EDITABLE,
            controls=[
                ft.Container(padding=ft.Padding.only(left=12, right=12, top=8), content=ft.Text(
                    section.title, key="section-title", size=20, weight=ft.FontWeight.BOLD)),
                # room to scroll the last card above the running bar drawn over the bottom
                self.running_bar.room(),
            ],
            left=0, top=0, right=0, bottom=0,
        )
        self.lists[section.id] = body
        self.stack.controls.insert(len(self.stack.controls) - 1, body)
        return body

    async def _prepare_next(self) -> None:
        """Build the next section's list while the shopper reads this one, so «Далее»
        only shows it."""
        await asyncio.sleep(PREPARE_DELAY)  # after what the shopper asked for has gone out
        sections = self.visit.checklist.sections
        if not self._alive() or self.index + 1 >= len(sections) or sections[self.index + 1].id in self.lists:
            return
        section, body, shown = self.section, self.body, self.shown
        services = len(self._view.services)
        try:
            self.section = sections[self.index + 1]
            self.body = self._new_list(self.section)
            self._compose(self.ctx.service.now())
        finally:
            self.section, self.body, self.shown = section, body, shown
        update_if_mounted(self.stack, *([self._view] if len(self._view.services) != services else []))

    def _pick_section(self, sections: list[Section]) -> Section:
        by_id = {s.id: s for s in sections}
        for wanted in (self.requested, self.ctx.service.current_section(self.uuid)):
            if wanted in by_id:
                return by_id[wanted]
        return sections[0]

    def _appbar(self) -> ft.AppBar:
        stop = self.ctx.service.stop_of(self.visit)
        name = stop.dealership.name if stop else self.ctx.t("visit.unplanned")
        return ft.AppBar(title=ft.Column(spacing=0, controls=[
            ft.Text(name, key="visit-dealership", size=18, weight=ft.FontWeight.BOLD,
                    max_lines=1, overflow=ft.TextOverflow.ELLIPSIS),
            ft.Text(self.visit.checklist.title, key="visit-checklist", size=13,
                    max_lines=1, overflow=ft.TextOverflow.ELLIPSIS),
        ]))

    def _navigation(self, sections: list[Section]) -> ft.Control:
        t = self.ctx.t
        first, last = self.index == 0, self.index == len(sections) - 1
        back = big_button(t("visit.prev"), key="prev-section", icon=ft.Icons.ARROW_BACK, expand=True,
                          disabled=first, on_click=lambda: self._open_section(self.index - 1))
        if self.from_review and not last:  # the shopper came to fix one thing: straight back
            ahead = big_button(t("visit.back_to_review"), key="back-to-review", icon=ft.Icons.CHECKLIST,
                               filled=True, expand=True, on_click=lambda: self.ctx.go(f"/review/{self.uuid}"))
        elif last:
            ahead = big_button(t("visit.review"), key="review", icon=ft.Icons.CHECKLIST, filled=True,
                               expand=True, on_click=lambda: self.ctx.go(f"/review/{self.uuid}"))
        else:
            ahead = big_button(t("visit.next"), key="next-section", icon=ft.Icons.ARROW_FORWARD, filled=True,
                               expand=True, on_click=lambda: self._open_section(self.index + 1))
        return ft.Row(controls=[back, ahead], spacing=8, height=TOUCH + 8)

    def _compose(self, now: datetime) -> None:
        """Fill the card list with the section's visible questions, reusing built cards
        (of this section or one shown before)."""
        visible = self.visit.visible(now)
        # A hidden question's card goes: an answer that brings it back shows it as stored.
        for gone in [qid for qid in self.slots if qid not in visible]:
            del self.slots[gone]
        self.shown = [q.id for q in self.section.questions if q.id in visible]
        for qid in self.shown:
            if qid not in self.slots:
                self.slots[qid] = ft.Container(key=ft.ScrollKey(f"q-{qid}"), margin=CARD_MARGIN,
                                               content=self._card(self.visit.question(qid), now))
            if qid == self.marked and self.slots[qid].border is None:
                self._mark(self.slots[qid])
        head, *_, room = self.body.controls
        if self.shown:
            cards = [self.slots[qid] for qid in self.shown]
        else:
            cards = [ft.Container(padding=20, content=ft.Text(self.ctx.t("visit.section_empty"), italic=True))]
        self.body.controls = [head, *cards, room]

    def _mark(self, slot: ft.Container) -> None:
        """Set the question the shopper was sent to apart: a frame and a line saying why,
        until it is answered."""
        slot.border = ft.Border.all(3, ft.Colors.DEEP_ORANGE_700)  # 3.9:1 on white
        slot.border_radius = 16
        slot.content = ft.Column(spacing=0, controls=[
            tagged(ft.Container(
                padding=ft.Padding.only(left=12, right=12, top=8),
                content=ft.Row(controls=[
                    ft.Icon(ft.Icons.ARROW_DOWNWARD, color=ft.Colors.DEEP_ORANGE_900, size=18),
                    # deep orange 900 on white: 5.6:1
                    ft.Text(self.ctx.t("visit.marked"), color=ft.Colors.DEEP_ORANGE_900, weight=ft.FontWeight.W_500),
                ]),
            ), f"marked-{self.marked}"),
            slot.content,
        ])

    def _card(self, q: Question, now: datetime) -> ft.Control:
        strip = None
        if takes_photos(q):
            strip = self.strips.get(q.id)
            if strip is None:
                strip = self.strips[q.id] = PhotoStrip(self, q)
                if self._view is not None:
                    self._view.services.append(strip.picker)
        calls = None
        if q.type == "audio":
            calls = self.calls.get(q.id)
            if calls is None:
                calls = self.calls[q.id] = CallRecorder(self, q)
        card, stopwatch = build_card(self, q, self.visit, now, strip, calls)
        if stopwatch is not None:
            self.stopwatches[q.id] = stopwatch
        return card

    def _progress(self, now: datetime) -> None:
        t = self.ctx.t
        total = len(self.visit.checklist.sections)
        self.section_text.value = t("visit.section_of", number=self.index + 1, total=total)
        visible = self.visit.visible(now)
        questions = [q for q in self.visit.checklist.questions() if q.id in visible]
        done = sum(1 for q in questions if is_done(self.visit, q, now))
        self.answered_text.value = t("visit.answered_of", done=done, total=len(questions))
        self.bar.value = done / len(questions) if questions else 1.0

    # --- after a change ------------------------------------------------------------

    def refresh(self, qid: str, *, rebuild: bool = True) -> None:
        """Redraw what a change to `qid` may have changed (its own card too, unless it is
        being typed into: `rebuild` False)."""
        self.visit = self.ctx.service.visit(self.uuid)
        now = self.ctx.service.now()
        changed: list[ft.Control] = []
        slot = self.slots.get(qid)
        if rebuild and slot is not None:
            slot.content = self._card(self.visit.question(qid), now)
            if qid == self.marked:  # acted on: no longer set apart
                self.marked, slot.border = None, None
            changed.append(slot)
        before = self.shown
        self._compose(now)
        if self.shown != before:
            changed = [self.body]
        self._progress(now)
        self.running_bar.refresh(self.visit, now, update=False)
        update_if_mounted(*changed, self.section_text, self.answered_text, self.bar, self.running_bar.wrapper)

    def _act(self, qid: str, call, *args) -> None:
        try:
            call(self.uuid, qid, *args)
        except Exception as error:  # never crash the screen; what was stored stays stored
            self.ctx.show_error(error)
        self.refresh(qid)

    # --- VisitActions: what the cards ask for --------------------------------------

    def answer(self, question_id: str, value: AnswerValue) -> None:
        self._act(question_id, self.ctx.service.answer, value)

    def toggle_na(self, question_id: str) -> None:
        answer = self.visit.answers.get(question_id)
        if answer is not None and answer.na:
            self._act(question_id, self.ctx.service.clear)
        else:
            self._act(question_id, self.ctx.service.mark_na)

    def comment(self, question_id: str, text: str) -> None:
        answer = self.visit.answers.get(question_id)
        if (answer.comment if answer else "") == (text or ""):
            return
        self._act(question_id, self.ctx.service.comment, text or "")

    def save_number(self, question_id: str, raw: str) -> None:
        try:
            value = parse_number(raw or "")
        except ValueError:
            self.ctx.notify(self.ctx.t("visit.number_invalid"))
            return
        self._save_value(question_id, value)

    def save_text(self, question_id: str, raw: str) -> None:
        self._save_value(question_id, raw if raw and raw.strip() else None)

    def _save_value(self, question_id: str, value: AnswerValue | None) -> None:
        answer = self.visit.answers.get(question_id)
        stored = None if answer is None or answer.na else answer.value
        if value == stored and type(value) is type(stored):
            return
        if value is None:
            self._act(question_id, self.ctx.service.clear)
        else:
            self._act(question_id, self.ctx.service.answer, value)

    def timer(self, question_id: str, event: str) -> None:
        self._act(question_id, self.ctx.service.timer, event)

    def count(self, question_id: str, step: int) -> None:
        self._act(question_id, self.ctx.service.count, step)

    def record_moment(self, question_id: str, moment: datetime | None) -> None:
        self._act(question_id, self.ctx.service.record_moment, moment)

    def clear_answer(self, question_id: str) -> None:
        self._act(question_id, self.ctx.service.clear)

    def photos_changed(self, question_id: str) -> None:
        self.refresh(question_id)

    def holds_text(self, question_id: str, field: ft.TextField, save: Callable[[str, str], None]) -> None:
        key = str(field.key)
        self.text_fields[key] = (question_id, field, save)  # a rebuilt card replaces its own
        before = field.on_change

        def typed(e) -> None:
            if before is not None:
                before(e)
            # read when stored, not now: the latest text is what counts
            self.typing.changed(key, lambda: self._store_typed(question_id, save, field.value or ""),
                                lambda stored: self._typed_stored(question_id, stored))

        field.on_change = typed

    def _store_typed(self, question_id: str, save: Callable[[str, str], None], text: str) -> bool:
        """Store `text` as `save` would when the field loses focus, without touching a
        control (a worker thread runs this); True when something was stored."""
        service = self.ctx.service
        visit = service.visit(self.uuid)
        if visit.status not in EDITABLE:
            return False
        answer = visit.answers.get(question_id)
        if save == self.comment:
            if (answer.comment if answer else "") == text:
                return False
            service.comment(self.uuid, question_id, text)
            return True
        try:
            value = parse_number(text) if save == self.save_number else (text if text.strip() else None)
        except ValueError:
            return False  # not a number yet ("12,"): said when the field is left
        stored = None if answer is None or answer.na else answer.value
        if value == stored and type(value) is type(stored):
            return False
        if value is None:
            service.clear(self.uuid, question_id)
        else:
            service.answer(self.uuid, question_id, value)
        return True

    def _typed_stored(self, question_id: str, stored: bool) -> None:
        if stored and self._view is not None and is_mounted(self.body):
            self.refresh(question_id, rebuild=False)  # the field keeps its focus and caret

    def leave(self) -> None:
        """The screen goes: a call being recorded is stopped and kept, as «Стоп» would, and
        one being played back stops."""
        self.save_pending()
        for calls in self.calls.values():
            self.ctx.page.run_task(calls.stop)
            self.ctx.page.run_task(calls.stop_playing)

    def save_pending(self) -> None:
        """Store the text of every field still holding what it has not stored (typed, the
        focus not yet gone): the screen is going, or the app to the background."""
        self.typing.cancel()
        if self.visit.status not in EDITABLE:
            return
        with self.typing.lock:  # after a store under way, so the latest text is the last stored
            for question_id, field, save in list(self.text_fields.values()):
                if question_id in self.shown:  # a hidden question's field is gone from the screen
                    save(question_id, field.value or "")

    def thumbnail(self, sha256: str) -> bytes | None:
        if sha256 not in self.thumbs:
            try:
                self.thumbs[sha256] = self.ctx.service.thumbnail_path(sha256).read_bytes()
            except OSError:
                self.thumbs[sha256] = None
        return self.thumbs[sha256]

    def go_to_question(self, question_id: str) -> None:
        section = self.visit.checklist.section_of(question_id)
        self.ctx.page.session.store.set(FOCUS_KEY, (self.uuid, question_id))
        if section.id == self.section.id:
            self._scroll_to_focus()
        else:
            self._go_to_section(section.id)

    def _open_section(self, index: int) -> None:
        sections = self.visit.checklist.sections
        if 0 <= index < len(sections):
            self._go_to_section(sections[index].id)

    def _go_to_section(self, section_id: str) -> None:
        """Show the section now, and put its route in the address bar a moment later: the
        client redraws the whole app on a route change (about 150 ms in Chromium here),
        which would otherwise come before the section."""
        ft.context.disable_auto_update()  # show_section sends what changed
        self.show_section(section_id)
        self.ctx.page.run_task(self._note_route, self.route)

    async def _note_route(self, route: str) -> None:
        await asyncio.sleep(ROUTE_DELAY)
        if route != self.route or not self._alive() or route == self.ctx.page.route:
            return  # another section since, the visit left, or the address bar says it already
        self.noted.append(route)  # its echo from the client is not a request to show it
        await self.ctx.page.push_route(route)

    def echo(self, route: str) -> bool:
        """Whether `route` is the client confirming a route this screen put in the address
        bar (an earlier section's may come after a later one was shown)."""
        if route not in self.noted:
            return False
        del self.noted[:self.noted.index(route) + 1]
        return True

    def _scroll_to_focus(self) -> None:
        store = self.ctx.page.session.store
        focus = store.get(FOCUS_KEY)
        if not focus or focus[0] != self.uuid or focus[1] not in self.shown:
            return
        store.set(FOCUS_KEY, None)
        self.ctx.page.run_task(self._scroll_to, focus[1])

    async def _scroll_to(self, question_id: str) -> None:
        await asyncio.sleep(0.1)  # let the client lay the section out first
        if is_mounted(self.body):
            try:
                await self.body.scroll_to(scroll_key=f"q-{question_id}", duration=300)
            except Exception:  # scrolling is a convenience; never an error for the shopper
                log.debug("could not scroll to %s", question_id, exc_info=True)

    # --- the live tick -------------------------------------------------------------

    def _alive(self) -> bool:
        page = self.ctx.page
        return bool(page.views) and page.views[-1] is self._view

    def tick(self) -> None:
        """Redraw the stopwatches from their stored events (the ticker calls this every
        second; tests call it after moving the clock)."""
        now = self.ctx.service.now()
        for qid, stopwatch in self.stopwatches.items():
            if qid in self.shown:
                stopwatch.tick(self.visit, now)
        self.running_bar.refresh(self.visit, now)
