"""The console's lists of visits: every visit, newest first, and the review queue (the
visits whose newest revision waits for a verdict), the one waiting longest first. Both
filtered, a page at a time, and each visit's neighbours in its list.

Pages are keyed by the (moment, uuid) of the last row shown, not by an offset, so a page
deep in 100,000 visits costs what the first one does; each filter has an index that
starts with its column and goes on with (started_at, uuid), and the queue has
`visits_waiting` (status, received_at, uuid). A visit's key says where it stands in a
list even when it no longer belongs to it (a visit just approved has neighbours in the
queue it left).

A list filtered by flags tests each visit it walks against the set of visits with such
a flag in any revision (read once, from an index), and asks those whether their latest
revision has it (a probe of `revision_flags_by_revision`, which answers alone); "none"
asks every visit. Counting reads `visits_by_received` (received_at, uuid,
latest_revision), not 100,000 rows. Each row shown carries its latest revision's codes,
read for the whole page in one more query.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, bindparam, text

from ..database import moment, parse_moment
from ..evidence import CODES

STATUSES = ("received", "returned", "approved")
WAITING = "received"  # the status of a visit whose newest revision has no verdict yet
ANY_FLAG, NO_FLAGS = "any", "none"
FLAG_CHOICES = (ANY_FLAG, NO_FLAGS, *CODES)  # a flag filter: any flag, none, or one code


@dataclass(frozen=True)
class VisitFilter:
    status: str | None = None
    dealer_code: str | None = None
    shopper_id: str | None = None
    checklist_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    flag: str | None = None  # one of FLAG_CHOICES: of the visit's latest revision

    def where(self) -> tuple[str, dict]:
        # A visit with a revision: `received_at` is set with the first one (as
        # `latest_revision` > 0 is), and the indexes carry it, so that counting the queue
        # or a status reads an index alone instead of every visit's row.
        clauses, params = ["v.received_at IS NOT NULL"], {}
        for column, value in (("status", self.status), ("dealer_code", self.dealer_code),
                              ("shopper_id", self.shopper_id), ("checklist_id", self.checklist_id)):
            if value:
                clauses.append(f"v.{column} = :{column}")
                params[column] = value
        if self.date_from:
            clauses.append("v.started_at >= :date_from")
            params["date_from"] = self.date_from.isoformat()
        if self.date_to:
            clauses.append("v.started_at < :date_to")
            params["date_to"] = (self.date_to + timedelta(days=1)).isoformat()
        if self.flag:
            latest = ("EXISTS (SELECT 1 FROM revision_flags f WHERE f.visit_uuid = v.uuid "
                      "AND f.revision = v.latest_revision" + ("" if self.flag in (ANY_FLAG, NO_FLAGS) else
                                                              " AND f.code = :flag") + ")")
            if self.flag == NO_FLAGS:
                clauses.append("NOT " + latest)
            else:
                # First: is the visit among those with such a flag in any revision (a set
                # read once, from an index); only those are asked about their latest. The
                # `|| ''` keeps SQLite from driving the list from that set, which sorted
                # every match (a fifth of the visits: 100 ms a page); the list walks its
                # own index as without the filter.
                some = "" if self.flag == ANY_FLAG else " WHERE r.code = :flag"
                clauses += [f"v.uuid || '' IN (SELECT r.visit_uuid FROM revision_flags r{some})", latest]
                if some:
                    params["flag"] = self.flag
        return " AND ".join(clauses), params


@dataclass(frozen=True)
class Order:
    """How a list runs: by a moment column of `visits`, then by uuid, one way."""

    column: str
    descending: bool

    def sql(self, reverse: bool = False) -> str:
        way = "DESC" if self.descending != reverse else "ASC"
        return f"v.{self.column} {way}, v.uuid {way}"

    def beyond(self, reverse: bool = False, inclusive: bool = False) -> str:
        """The clause for rows after the key `:key_at|:key_uuid` (before it, `reverse`)."""
        sign = "<" if self.descending != reverse else ">"
        return (f"(v.{self.column} {sign} :key_at OR "
                f"(v.{self.column} = :key_at AND v.uuid {sign}{'=' if inclusive else ''} :key_uuid))")


NEWEST_FIRST = Order("started_at", descending=True)
# The review queue: by when the newest revision arrived, so a correction takes its turn
# behind what came before it.
LONGEST_WAITING_FIRST = Order("received_at", descending=False)


@dataclass(frozen=True)
class VisitListRow:
    uuid: str
    started_at: datetime
    received_at: datetime
    shopper_id: str
    shopper_name: str
    dealer_code: str | None
    dealer_name: str | None
    checklist_id: str
    checklist_version: int
    status: str
    revision: int
    score_got: float
    score_out_of: float
    flags: tuple[str, ...] = ()  # the codes of the latest revision's flags, each once

    @property
    def percent(self) -> float | None:
        return None if not self.score_out_of else 100.0 * self.score_got / self.score_out_of

    def key(self, order: Order = NEWEST_FIRST) -> str:
        """Where the next page starts: this row's place in the order."""
        return f"{moment(getattr(self, order.column))}|{self.uuid}"


_COLUMNS = (
    "SELECT v.uuid, v.started_at, v.received_at, v.shopper_id, s.name AS shopper_name, v.dealer_code, "
    "d.name AS dealer_name, v.checklist_id, v.checklist_version, v.status, v.latest_revision, v.score_got, "
    "v.score_out_of FROM visits v JOIN shoppers s ON s.id = v.shopper_id "
    "LEFT JOIN dealerships d ON d.code = v.dealer_code "
)


def page(conn: Connection, where: VisitFilter, after: str | None = None, limit: int = 50,
         order: Order = NEWEST_FIRST) -> list[VisitListRow]:
    """Up to `limit` visits in `order`, those after the row whose `key` is `after`."""
    clause, params = where.where()
    if after:
        clause += " AND " + order.beyond()
        params |= _key_params(after)
    rows = conn.execute(text(f"{_COLUMNS} WHERE {clause} ORDER BY {order.sql()} LIMIT :limit"),
                        params | {"limit": limit})
    return _with_flags(conn, [_row(r) for r in rows])


def rows_of(conn: Connection, uuids: list[str]) -> list[VisitListRow]:
    """These visits as a list shows them, in the order asked (unknown ones left out)."""
    if not uuids:
        return []
    statement = text(f"{_COLUMNS} WHERE v.latest_revision > 0 AND v.uuid IN :uuids").bindparams(
        bindparam("uuids", expanding=True))
    found = {r.uuid: _row(r) for r in conn.execute(statement, {"uuids": sorted(set(uuids))})}
    return _with_flags(conn, [found[uuid] for uuid in dict.fromkeys(uuids) if uuid in found])


def flag_codes(conn: Connection, revisions: list[tuple[str, int]]) -> dict[tuple[str, int], tuple[str, ...]]:
    """The codes of these (visit uuid, revision)s' flags, each once, in the order they were
    raised; a revision without flags is left out."""
    if not revisions:
        return {}
    wanted = set(revisions)
    statement = text("SELECT visit_uuid, revision, code FROM revision_flags WHERE visit_uuid IN :uuids "
                     "ORDER BY visit_uuid, revision, position").bindparams(bindparam("uuids", expanding=True))
    found: dict[tuple[str, int], dict[str, None]] = {}
    for r in conn.execute(statement, {"uuids": sorted({uuid for uuid, _ in wanted})}):
        if (r.visit_uuid, r.revision) in wanted:
            found.setdefault((r.visit_uuid, r.revision), {})[r.code] = None
    return {key: tuple(codes) for key, codes in found.items()}


def _with_flags(conn: Connection, rows: list[VisitListRow]) -> list[VisitListRow]:
    codes = flag_codes(conn, [(row.uuid, row.revision) for row in rows])
    return [replace(row, flags=codes[(row.uuid, row.revision)]) if (row.uuid, row.revision) in codes else row
            for row in rows]


def count(conn: Connection, where: VisitFilter) -> int:
    if where.flag == NO_FLAGS and where.status:
        # A status's index does not hold `latest_revision`: asking each of the queue's
        # 24,000 unflagged visits read its row (93 ms). Those of the filter less those with
        # a flag are two counts that read indexes (37 ms). Without a status,
        # `visits_by_received` holds it, and asking each is the faster (84 ms against 128).
        return count(conn, replace(where, flag=None)) - count(conn, replace(where, flag=ANY_FLAG))
    clause, params = where.where()
    return conn.execute(text(f"SELECT COUNT(*) FROM visits v WHERE {clause}"), params).scalar_one()


def key_of(conn: Connection, uuid: str, order: Order) -> str | None:
    """The visit's place in lists run in `order`, whatever list it belongs to now."""
    row = conn.execute(text(f"SELECT v.{order.column} AS at FROM visits v WHERE v.uuid = :u AND v.latest_revision > 0"),
                       {"u": uuid}).first()
    return None if row is None or row.at is None else f"{row.at}|{uuid}"


def neighbour(conn: Connection, where: VisitFilter, order: Order, key: str, *, before: bool = False) -> str | None:
    """The uuid of the visit right after the key in the list (right before it, `before`)."""
    clause, params = where.where()
    return conn.execute(
        text(f"SELECT v.uuid FROM visits v WHERE {clause} AND {order.beyond(reverse=before)} "
             f"ORDER BY {order.sql(reverse=before)} LIMIT 1"),
        params | _key_params(key),
    ).scalar()


def position(conn: Connection, where: VisitFilter, order: Order, key: str) -> int:
    """How many visits of the list come before the key, and it itself if it is one of them."""
    clause, params = where.where()
    return conn.execute(
        text(f"SELECT COUNT(*) FROM visits v WHERE {clause} AND {order.beyond(reverse=True, inclusive=True)}"),
        params | _key_params(key),
    ).scalar_one()


def belongs(conn: Connection, where: VisitFilter, uuid: str) -> bool:
    clause, params = where.where()
    return conn.execute(text(f"SELECT 1 FROM visits v WHERE {clause} AND v.uuid = :the_uuid"),
                        params | {"the_uuid": uuid}).first() is not None


def checklist_ids(conn: Connection) -> list[str]:
    return [r.id for r in conn.execute(text("SELECT DISTINCT id FROM checklists ORDER BY id"))]


def _key_params(key: str) -> dict[str, str]:
    at, _, uuid = key.partition("|")
    return {"key_at": at, "key_uuid": uuid}


def _row(r) -> VisitListRow:
    return VisitListRow(
        r.uuid, parse_moment(r.started_at), parse_moment(r.received_at), r.shopper_id, r.shopper_name,
        r.dealer_code, r.dealer_name, r.checklist_id, r.checklist_version, r.status, r.latest_revision,
        r.score_got or 0.0, r.score_out_of or 0.0,
    )
