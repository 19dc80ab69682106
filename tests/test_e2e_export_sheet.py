"""The XLSX export as an analyst opens it: downloaded from the console, read back with
openpyxl, and drawn as a spreadsheet would show it (its column widths, its frozen header
and filter, each cell through its number format) in headless Chromium, for a screenshot
a reader of the README can check by eye."""

from __future__ import annotations

import html
import io
from datetime import datetime

import openpyxl
from openpyxl.utils import get_column_letter

from e2e_support import chromium, needs_chromium, screenshot
from server_support import MINI, publish_mini, seed_dealers
from test_console_analytics import Field

pytestmark = needs_chromium
# One screen's width: who, where, when, the status, the total, then the first questions
# (answer, stopwatch seconds, score 0-1, comment).
SHOWN_COLUMNS = (2, 4, 5, 6, 8, 11, 13, *range(17, 28))


def shown(cell) -> str:
    """The cell's text as Excel shows it for the formats the export uses."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, datetime):
        assert cell.number_format == "yyyy-mm-dd hh:mm", cell.number_format
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def sheet_html(sheet) -> str:
    """The sheet's top left as an HTML grid: column letters, row numbers, widths in pixels
    (Excel's character widths at 7 px a character plus padding), the frozen first row and
    the filter's arrows in the header."""
    widths = [round((sheet.column_dimensions[get_column_letter(i)].width or 8.43) * 7 + 5) for i in SHOWN_COLUMNS]
    filtered = sheet.auto_filter.ref is not None
    rows = []
    for r, whole in enumerate(sheet.iter_rows(), start=1):
        row = [whole[i - 1] for i in SHOWN_COLUMNS]
        cells = "".join(
            f'<td class="{"head" if r == 1 else ("num" if isinstance(c.value, (int, float)) else "")}">'
            f'{html.escape(shown(c))}{" <b>▾</b>" if r == 1 and filtered else ""}</td>' for c in row)
        rows.append(f'<tr{" class=frozen" if r == 1 else ""}><th>{r}</th>{cells}</tr>')
    columns = "".join(f'<col style="width:{w}px">' for w in widths)
    letters = "".join(f"<th>{get_column_letter(i)}</th>" for i in SHOWN_COLUMNS)
    return f"""<!doctype html><meta charset=utf-8><style>
      body {{ margin: 0; font: 13px Calibri, Carlito, 'DejaVu Sans', sans-serif; }}
      table {{ border-collapse: collapse; table-layout: fixed; }}
      td, th {{ border: 1px solid #d4d4d4; padding: 2px 4px; overflow: hidden; white-space: nowrap; height: 18px; }}
      th {{ background: #f3f3f3; color: #555; font-weight: normal; }}
      td.head {{ white-space: normal; vertical-align: bottom; font-weight: bold; background: #fff; }}
      td.num {{ text-align: right; }}
      tr.frozen td {{ border-bottom: 2px solid #9a9a9a; }}
      td b {{ float: right; font-size: 10px; color: #666; border: 1px solid #bbb; padding: 0 2px; }}
    </style><table><colgroup><col style="width:34px">{columns}</colgroup>
    <tr><th></th>{letters}</tr>{"".join(rows)}</table>"""


def test_an_export_opened_back_with_openpyxl_reads_as_a_spreadsheet(server_store, console):
    publish_mini(server_store)
    seed_dealers(server_store, "D1", "D2")
    field = Field(server_store)
    for n, (dealer, greeted) in enumerate((("D1", True), ("D2", False), ("D1", True), ("D2", True), ("D1", False))):
        field.visit(dealer, greeted=greeted, started_at=f"2026-11-{17 + n}T{6 + n:02d}:00:00Z",
                    approve=n % 2 == 0, answers={"notes": "Консультант был занят" if n == 1 else ""})

    page = console.get("/exports/file", checklist=MINI.id, format="xlsx")
    assert page.status == 200
    sheet = openpyxl.load_workbook(io.BytesIO(page.response.content)).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:")
    assert sheet.max_row == 6
    started = [sheet.cell(r, 8) for r in range(2, 7)]  # «Начало (местное время)»: Moscow time, a date cell
    assert [c.value for c in started] == [datetime(2026, 11, 17 + n, 9 + n, 0) for n in range(5)]
    assert all(sheet.column_dimensions[get_column_letter(i)].width for i in range(1, sheet.max_column + 1))

    with chromium() as browser:
        view = browser.new_context(viewport={"width": 1600, "height": 240}).new_page()
        view.set_content(sheet_html(sheet))
        assert view.evaluate("document.querySelectorAll('tr.frozen td b').length") == len(SHOWN_COLUMNS)
        screenshot(view, "console_export_xlsx")
