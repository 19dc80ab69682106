"""The visit screen as a shopper meets it: `fieldaudit app` in its own process, driven in
headless Chromium at 390x844 through Flutter's semantics tree.

Each figure is measured inside the page, from the tap (a click on the control's semantics
node) until the semantics tree shows what the tap leads to; Flutter updates that tree with
the frame it draws, so it is the moment the shopper sees it:
- section_change: «Далее» until the next section's «Раздел N из M» is there;
- smallest_update: «Комментарий» until its text field is there (the least the app can
  redraw, in the same browser and run: the yardstick the issue compares against, since
  Flutter's web drawing on these shared machines is not the app's);
- visit_open: «Начать/Продолжить» on Today until the visit's first section is there;
- answer_tap: an answer until the semantics tree changes.
Prints one JSON object (milliseconds; p50 and p95 of each) with the machine it ran on.
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from e2e_support import AppProcess, chromium, open_phone  # noqa: E402

WALKS = 4
VISIT_OPENS = 5
SLOW = 60_000

# Arms a timer: from the tap's first pointer event (the click itself comes from
# Playwright, as a finger's would) until `ready()` holds, checked on every change of the
# semantics tree; `window.benchTap` resolves with the milliseconds, or rejects after 20 s.
ARM = """
([readyText, readySelector, anyChange]) => {
  // A text is a span in its semantics node, or the node's aria-label.
  const labelled = text => [...document.querySelectorAll('flt-semantics > span, flt-semantics[aria-label]')].some(
      e => (e.getAttribute('aria-label') || e.textContent || '').includes(text));
  const ready = () => anyChange || (readySelector ? !!document.querySelector(readySelector) : labelled(readyText));
  window.benchTap = new Promise((resolve, reject) => {
    let started = null;
    const observer = new MutationObserver(() => {
      if (started !== null && ready()) { finish(); resolve(performance.now() - started); }
    });
    const begin = () => { if (started === null) started = performance.now(); };
    const finish = () => {
      observer.disconnect(); clearTimeout(timer);
      window.removeEventListener('pointerdown', begin, true);
    };
    const timer = setTimeout(() => { finish(); reject(new Error('timed out')); }, 20000);
    window.addEventListener('pointerdown', begin, true);
    observer.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
  });
}
"""


def percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered), 1), "p95": round(p95, 1), "n": len(ordered)}


def timed_tap(page, identifier: str, *, text: str | None = None, selector: str | None = None,
              any_change: bool = False) -> float:
    target = page.locator(f'[flt-semantics-identifier="{identifier}"]')
    page.evaluate(ARM, [text, selector, any_change])
    target.click(timeout=SLOW)
    return page.evaluate("() => window.benchTap")


def section_of(page) -> tuple[int, int]:
    label = page.get_by_text(re.compile(r"Раздел \d+ из \d+")).first
    label.wait_for(timeout=SLOW)
    number, total = re.search(r"Раздел (\d+) из (\d+)", label.text_content() or "").groups()
    return int(number), int(total)


IN_VIEW = """(nodes, prefix) => nodes
    .filter(n => { const r = n.getBoundingClientRect(); return r.height > 0 && r.top > 120 && r.bottom < 700; })
    .map(n => n.getAttribute('flt-semantics-identifier')).filter(i => i.startsWith(prefix))"""


def in_view(page, selector: str, prefix: str) -> list[str]:
    """Identifiers of the nodes on screen, away from the bars (no scrolling in a timed tap)."""
    return page.eval_on_selector_all(selector, IN_VIEW, prefix)


def measure(page) -> dict:
    opens, changes, smallest, taps = [], [], [], []
    page.get_by_text("Маршрут на сегодня").wait_for(timeout=SLOW)
    for _ in range(VISIT_OPENS):
        card = page.get_by_role("group", name=re.compile("Запад Моторс"))
        button = card.get_by_role("button", name=re.compile("Начать|Продолжить"))
        button.wait_for(timeout=SLOW)
        # The stop's button has no key of its own: name it for the timed tap.
        button.evaluate("b => b.setAttribute('flt-semantics-identifier', 'bench-open')")
        opens.append(timed_tap(page, "bench-open", text="Раздел 1 из"))
        page.go_back()
        page.get_by_text("Маршрут на сегодня").wait_for(timeout=SLOW)
    page.get_by_role("group", name=re.compile("Запад Моторс")).get_by_role(
        "button", name=re.compile("Начать|Продолжить")).click()
    for _ in range(WALKS):
        number, total = section_of(page)
        while number < total:
            toggles = in_view(page, '[flt-semantics-identifier$="-toggle"]', "comment-")
            if toggles:
                smallest.append(timed_tap(page, toggles[0], selector=f'[flt-semantics-identifier="{toggles[0][:-7]}"]'))
            answers = in_view(page, '[flt-semantics-identifier^="answer-"]', "answer-")
            if answers:
                taps.append(timed_tap(page, answers[0], any_change=True))
            changes.append(timed_tap(page, "next-section", text=f"Раздел {number + 1} из {total}"))
            number += 1
        while number > 1:
            page.locator('[flt-semantics-identifier="prev-section"]').click(timeout=SLOW)
            number -= 1
            page.get_by_text(f"Раздел {number} из {total}").wait_for(timeout=SLOW)
    return {
        "section_change_ms": percentiles(changes),
        "smallest_update_ms": percentiles(smallest),
        "section_change_over_smallest_p95": round(percentiles(changes)["p95"] / percentiles(smallest)["p50"], 2),
        "visit_open_ms": percentiles(opens),
        "answer_tap_ms": percentiles(taps),
    }


def main() -> None:
    with tempfile.TemporaryDirectory(dir=ROOT) as temp:
        app = AppProcess(Path(temp) / "app").start(demo=True)
        try:
            with chromium() as browser:
                page = open_phone(browser, app.url)
                result = measure(page)
        finally:
            app.stop()
    result["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(), "node": platform.node()}
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
