"""Analytics: every dealership's share of standards met for a checklist, and one
dealership's share per item beside the item's market rank in the study and month by
month, each as a chart drawn on the server and as a table of the same numbers.

Which visits count is the page's address (a GET form): `status` (approved, the default;
received_approved; all), `from` and `to` (months, YYYY-MM), `city`, `brand`, `shopper`;
the overview adds `order`, `enough` and `page`. A value that cannot be read is left out
and named on the page."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from field_app.domain.i18n import Translator

from ... import analytics
from ...analytics import (
    DEFAULT_CHECKLIST, DEFAULT_STATUS, MIN_SAMPLE, MONTH, ORDERS, STATUSES, DealerReport, Filters, ItemGroup,
    ItemShare, Overview, Share,
)
from ...queries import visit_list
from ..svg import Bar, Column, bar_chart, month_chart
from ..web import Session, Store, render, translator, url

router = APIRouter()


@dataclass(frozen=True)
class Asked:
    """The filters read from the address, and what could not be read."""

    filters: Filters
    problems: list[tuple[str, str]]  # (field, value as given)

    def query(self, **extra: object) -> dict[str, object]:
        """The address's fields for a link that keeps the choice (defaults left out)."""
        f = self.filters
        return {"status": None if f.status == DEFAULT_STATUS else f.status, "from": f.month_from,
                "to": f.month_to, "city": f.city, "brand": f.brand, "shopper": f.shopper_id, **extra}


def read_filters(request: Request) -> Asked:
    given = request.query_params
    problems: list[tuple[str, str]] = []

    def month(name: str) -> str | None:
        value = given.get(name, "").strip()
        if value and not MONTH.fullmatch(value):
            problems.append((name, value))
            return None
        return value or None

    status = given.get("status", "") or DEFAULT_STATUS
    if status not in STATUSES:
        problems.append(("status", status))
        status = DEFAULT_STATUS
    first, last = month("from"), month("to")
    if first and last and first > last:
        first, last = last, first
    return Asked(Filters(status=status, month_from=first, month_to=last,
                         city=given.get("city") or None, brand=given.get("brand") or None,
                         shopper_id=given.get("shopper") or None), problems)


@router.get("/analytics", response_class=HTMLResponse)
def overview_page(request: Request, store: Store, _session: Session, checklist: str = DEFAULT_CHECKLIST,
                  order: str = "best", page: str = "1", enough: str = "") -> HTMLResponse:
    asked = read_filters(request)
    order = order if order in ORDERS else "best"
    number = int(page) if page.isascii() and page.isdigit() and 0 < len(page) <= 6 and int(page) > 0 else 1
    report = analytics.overview(store, checklist, asked.filters, order=order, page=number,
                                enough_only=enough == "1")
    with store.db.read() as conn:
        checklists = visit_list.checklist_ids(conn)
    t = translator(request)
    query = asked.query(checklist=report.checklist.id, order=None if order == "best" else order,
                        enough="1" if report.enough_only else None)
    return render(request, "analytics.html", report=report, asked=asked, query=query, checklists=checklists,
                  options=analytics.filter_options(store), statuses=list(STATUSES), orders=list(ORDERS),
                  min_sample=MIN_SAMPLE, share=share_text,
                  chart=_dealer_chart(report, asked, t) if report.dealers else None)


@router.get("/analytics/{checklist}/dealers/{code}", response_class=HTMLResponse)
def dealer_page(request: Request, store: Store, _session: Session, checklist: str, code: str) -> HTMLResponse:
    asked = read_filters(request)
    report = analytics.dealer_report(store, checklist, code, asked.filters)
    t = translator(request)
    options = analytics.filter_options(store)
    shopper = next((s for s in options.shoppers if s.id == asked.filters.shopper_id), None)
    return render(request, "analytics_dealer.html", report=report, asked=asked, options=options, shopper=shopper,
                  statuses=list(STATUSES), min_sample=MIN_SAMPLE, share=share_text, month_name=_month_name(t),
                  charts=[_item_chart(report, group, t) for group in report.groups],
                  trend=_trend_chart(report, t))


def share_text(share: Share) -> str:
    return "—" if share.shown is None else f"{share.shown}%"


def _count(share: Share, t: Translator, key: str = "analytics.count") -> str:
    return t(key, n=share.visits) + (" ⚠" if share.few else "")


def _few_note(share: Share, t: Translator) -> str:
    return t("analytics.few", n=share.visits, min=MIN_SAMPLE) if share.few else ""


def _dealer_chart(report: Overview, asked: Asked, t: Translator):
    keep = asked.query()
    return bar_chart(t("analytics.chart_dealers", checklist=report.checklist.title), [
        Bar(d.name, d.share.percent, share_text(d.share), _count(d.share, t),
            t("analytics.bar_detail", label=f"{d.name} ({d.code})", share=share_text(d.share), met=d.share.met,
              counted=d.share.counted, visits=d.share.visits),
            band=d.share.band, few=d.share.few, note=_few_note(d.share, t),
            link=url(f"/analytics/{quote(report.checklist.id, safe='')}/dealers/{quote(d.code, safe='')}", **keep))
        for d in report.dealers
    ])


def _item_label(item: ItemShare, report: DealerReport, t: Translator) -> str:
    """The ref and text, and the version the wording is from when the newest has no such item."""
    label = f"{item.ref} {item.text}" if item.ref else item.text
    if item.version != report.checklist.version:
        label += f" ({t('analytics.from_version', version=item.version)})"
    return label


def _item_chart(report: DealerReport, group: ItemGroup, t: Translator):
    title = group.title or t(f"analytics.group_{group.kind}")
    bars = []
    for item in group.items:
        label = _item_label(item, report, t)
        value = share_text(item.share) if item.share.percent is not None else t("analytics.no_data")
        rank = t(f"ranks.{item.benchmark}") if item.benchmark else t("ranks.none")
        bars.append(Bar(
            label, item.share.percent, value, _count(item.share, t),
            t("analytics.item_detail", label=label, share=value, met=item.share.met, counted=item.share.counted,
              rank=rank),
            band=item.share.band, few=item.share.few, note=_few_note(item.share, t),
            mark=t(f"analytics.mark_{item.benchmark}") if item.benchmark else "",
            mark_tone=f"rank-{item.benchmark}" if item.benchmark else "",
        ))
    return bar_chart(t("analytics.chart_items", dealer=report.dealer.name, group=title), bars)


def _month_name(t: Translator):
    def name(month: str, *, short: bool = False) -> str:
        word = t(f"analytics.month_{month[5:7]}" + ("_short" if short else ""))
        return word if short else f"{word} {month[:4]}"
    return name


def _trend_chart(report: DealerReport, t: Translator):
    name = _month_name(t)
    columns = []
    for i, month in enumerate(report.trend):
        s = month.share
        detail = (t("analytics.month_detail", month=name(month.month), share=share_text(s), met=s.met,
                    counted=s.counted, visits=s.visits) if s.visits else
                  t("analytics.month_none", month=name(month.month)))
        columns.append(Column(
            name(month.month, short=True), month.month[:4] if i == 0 or month.month.endswith("-01") else "",
            s.percent, share_text(s), _count(s, t, "analytics.count_short"),
            detail + (f" {_few_note(s, t)}" if s.few else ""),
            band=s.band, few=s.few))
    return month_chart(t("analytics.chart_trend", dealer=report.dealer.name), columns)

