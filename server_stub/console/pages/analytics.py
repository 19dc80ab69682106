"""Analytics: every dealership's share of standards met for a checklist, and one
dealership's share per item beside the item's market rank in the study, each as a bar
chart drawn on the server and as a table of the same numbers."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from field_app.domain.i18n import Translator

from ... import analytics
from ...analytics import DEFAULT_CHECKLIST, DealerReport, ItemGroup, ItemShare, Overview, Share
from ...queries import visit_list
from ..svg import Bar, bar_chart
from ..web import Session, Store, render, translator, url

router = APIRouter()


@router.get("/analytics", response_class=HTMLResponse)
def overview_page(request: Request, store: Store, _session: Session,
                  checklist: str = DEFAULT_CHECKLIST) -> HTMLResponse:
    report = analytics.overview(store, checklist)
    with store.db.read() as conn:
        checklists = visit_list.checklist_ids(conn)
    t = translator(request)
    return render(request, "analytics.html", report=report, checklists=checklists, share=_share_text,
                  chart=_dealer_chart(report, t) if report.dealers else None)


@router.get("/analytics/{checklist}/dealers/{code}", response_class=HTMLResponse)
def dealer_page(request: Request, store: Store, _session: Session, checklist: str, code: str) -> HTMLResponse:
    report = analytics.dealer_report(store, checklist, code)
    t = translator(request)
    return render(request, "analytics_dealer.html", report=report, share=_share_text,
                  charts=[_item_chart(report, group, t) for group in report.groups])


def _item_label(item: ItemShare, report: DealerReport, t: Translator) -> str:
    """The ref and text, and the version the wording is from when the newest has no such item."""
    label = f"{item.ref} {item.text}" if item.ref else item.text
    if item.version != report.checklist.version:
        label += f" ({t('analytics.from_version', version=item.version)})"
    return label


def _share_text(share: Share) -> str:
    return "—" if share.percent is None else f"{share.percent:.0f}%"


def _dealer_chart(report: Overview, t: Translator):
    return bar_chart(t("analytics.chart_dealers", checklist=report.checklist.title), [
        Bar(d.name, d.share.percent, _share_text(d.share),
            t("analytics.bar_detail", label=f"{d.name} ({d.code})", share=_share_text(d.share),
              met=d.share.met, counted=d.share.counted),
            link=url(f"/analytics/{report.checklist.id}/dealers/{quote(d.code, safe='')}"))
        for d in report.dealers
    ])


def _item_chart(report: DealerReport, group: ItemGroup, t: Translator):
    title = group.title or t(f"analytics.group_{group.kind}")
    bars = []
    for item in group.items:
        label = _item_label(item, report, t)
        value = _share_text(item.share) if item.share.percent is not None else t("analytics.no_data")
        rank = t(f"ranks.{item.benchmark}") if item.benchmark else t("ranks.none")
        bars.append(Bar(
            label, item.share.percent, value,
            t("analytics.item_detail", label=label, share=value, met=item.share.met, counted=item.share.counted,
              rank=rank),
            tone=f"rank-{item.benchmark}" if item.benchmark else "",
        ))
    return bar_chart(t("analytics.chart_items", dealer=report.dealer.name, group=title), bars)
