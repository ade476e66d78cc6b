"""DataService: query, count, findByField, load, and paging that streams rows.

Paging choice: offset pages (`page` = 0, 1, 2, ...) of a fixed `limit`, always
ordered by Id ascending, stopping at the first short page. Keyset paging
(`Id ~>~ last`, page 0) would survive deletes mid-scan better, but the notes
mark the operator on Id as unconfirmed and a struct key can appear only once,
so it would collide with an Id filter the caller already has (an IN list, a
lower bound). With Id ascending, rows created mid-scan land after the cursor
and are still read; a row that starts matching mid-scan can push a row onto
the next page (a repeat, dropped here: Ids must increase) and a row deleted
mid-scan can pull one back (a skip, which the next run's overlap re-reads).

Reading children by parent ids (OrderItem.OrderId, Payment.InvoiceId, ...):
IN lists "only work on Id fields", so `rows_for_parents` groups the parent
ids into clusters and reads each cluster as one range, `Fk ~>=~ low` ordered
by Fk ascending, stopping past the cluster's highest id; when that would take
more calls than one scan of everything from the lowest id, it scans instead.
So a call per parent never happens unless a single scan would cost more.
Fk is not unique and MySQL lists equal keys in no stable order, so a range is
paged by key (each page restarts at its last key), never by offset, which
could skip a child whose parent's run straddles a page boundary.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping, Sequence

from syncsvc.infusionsoft.transport import XmlRpcTransport

MAX_PAGE = 1000  # the API's cap on `limit`
MAX_IN = 1000  # the API's cap on the ids in one IN list
MATCH_ALL = {"Id": "%"}  # "pick a field and do a like search on it"
# Parent ids closer than this share one range read: the rows in the gap cost
# less than a call of their own (a few children per parent, 1000 rows a page).
CLUSTER_GAP = 250

Row = dict[str, Any]


def clusters(ids: Iterable[int], gap: int = CLUSTER_GAP) -> list[list[int]]:
    """Sorted distinct ids split wherever two neighbours are more than `gap` apart."""
    groups: list[list[int]] = []
    for value in sorted({int(v) for v in ids if v is not None and int(v) > 0}):
        if groups and value - groups[-1][-1] <= gap:
            groups[-1].append(value)
        else:
            groups.append([value])
    return groups


def chunked(values: Iterable[int], size: int = MAX_IN) -> Iterator[list[int]]:
    """Distinct ids, sorted, in lists of at most `size`."""
    ordered = sorted({int(v) for v in values if v is not None and int(v) > 0})
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


class DataService:
    def __init__(self, transport: XmlRpcTransport, page_size: int = MAX_PAGE) -> None:
        if not 1 <= page_size <= MAX_PAGE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE}")
        self._transport = transport
        self.page_size = page_size

    # -- the API methods ------------------------------------------------------

    def query(
        self,
        table: str,
        query_data: Mapping[str, Any],
        fields: Sequence[str],
        limit: int = MAX_PAGE,
        page: int = 0,
        order_by: str = "Id",
        ascending: bool = True,
    ) -> list[Row]:
        """One page of rows holding only `fields` (absent fields are simply missing)."""
        rows = self._transport.call(
            "DataService.query", table, int(limit), int(page), dict(query_data or MATCH_ALL),
            list(fields), order_by, bool(ascending),
        )
        return list(rows or [])

    def count(self, table: str, query_data: Mapping[str, Any]) -> int:
        return int(self._transport.call("DataService.count", table, dict(query_data or MATCH_ALL)))

    def find_by_field(
        self, table: str, field: str, value: Any, fields: Sequence[str], limit: int = MAX_PAGE, page: int = 0
    ) -> list[Row]:
        rows = self._transport.call(
            "DataService.findByField", table, int(limit), int(page), field, value, list(fields)
        )
        return list(rows or [])

    def load(self, table: str, record_id: int, fields: Sequence[str]) -> Row:
        """One row by Id; raises RecordNotFoundFault when there is none."""
        return dict(self._transport.call("DataService.load", table, int(record_id), list(fields)) or {})

    # -- streaming helpers ----------------------------------------------------------

    def iter_query(self, table: str, query_data: Mapping[str, Any], fields: Sequence[str]) -> Iterator[Row]:
        """Every matching row, Id ascending, fetched a page at a time as the caller consumes."""
        fields = list(fields) if "Id" in fields else ["Id", *fields]
        last_id = 0
        page = 0
        while True:
            rows = self.query(table, query_data, fields, limit=self.page_size, page=page)
            for row in rows:
                row_id = int(row.get("Id") or 0)
                if row_id <= last_id:
                    continue  # a row shifted back across the page boundary: already yielded
                last_id = row_id
                yield row
            if len(rows) < self.page_size:
                return
            page += 1

    def iter_pages(self, table: str, query_data: Mapping[str, Any], fields: Sequence[str]) -> Iterator[list[Row]]:
        """Like iter_query, but a list per page, for callers that enrich rows in bulk."""
        batch: list[Row] = []
        for row in self.iter_query(table, query_data, fields):
            batch.append(row)
            if len(batch) >= self.page_size:
                yield batch
                batch = []
        if batch:
            yield batch

    def rows_where_in(
        self,
        table: str,
        field: str,
        values: Iterable[int],
        fields: Sequence[str],
        extra: Mapping[str, Any] | None = None,
    ) -> Iterator[Row]:
        """Rows whose `field` is one of `values`: IN lists of at most 1000, each paged."""
        for chunk in chunked(values):
            yield from self.iter_query(table, {**(extra or {}), field: chunk}, fields)

    def rows_for_parents(
        self, table: str, parent_field: str, parent_ids: Iterable[int], fields: Sequence[str]
    ) -> Iterator[Row]:
        """Rows whose `parent_field` (a foreign key) is one of `parent_ids`, read in ranges."""
        if parent_field == "Id":
            yield from self.rows_where_in(table, "Id", parent_ids, fields)
            return
        groups = clusters(parent_ids)
        if not groups:
            return
        wanted = {v for group in groups for v in group}
        fields = list(fields) if parent_field in fields else [*fields, parent_field]
        if len(groups) > 1:
            scan = {parent_field: f"~>=~ {groups[0][0]}"}
            if -(-self.count(table, scan) // self.page_size) <= len(groups):
                for row in self.iter_query(table, scan, fields):
                    if int(row.get(parent_field) or 0) in wanted:
                        yield row
                return
        for group in groups:
            yield from self._parent_range(table, parent_field, group, fields)

    def _parent_range(self, table: str, parent_field: str, group: list[int], fields: list[str]) -> Iterator[Row]:
        """The rows of one cluster of parents: `Fk >= low` ordered by Fk, stopping past the highest.

        Paged by key, not by offset: MySQL lists rows with equal keys in no promised order, and may
        list them differently from one query to the next, so an offset page boundary falling inside a
        run of one parent's children could skip a row. A full page is trusted only below its last key
        (every row with a smaller key came before it); the next page starts again at that key. A run of
        one key that fills a whole page is read on its own, by Id, which is unique."""
        low, high, members = group[0], group[-1], set(group)
        fields = fields if "Id" in fields else ["Id", *fields]
        seen: set[int] = set()
        condition = f"~>=~ {low}"
        while True:
            rows = self.query(
                table, {parent_field: condition}, fields, limit=self.page_size, page=0,
                order_by=parent_field, ascending=True,
            )
            full = len(rows) >= self.page_size
            last = int(rows[-1].get(parent_field) or 0) if rows else 0
            taken, past_high = [], False
            for row in rows:
                parent = int(row.get(parent_field) or 0)
                if parent > high:
                    past_high = True
                    break
                if full and parent == last:
                    break  # this key's run may go on past the page: read from it again
                row_id = int(row.get("Id") or 0)
                if parent in members and row_id not in seen:
                    seen.add(row_id)
                    taken.append(row)
            # Every run of a key is whole here: yielded by key, then Id, whatever order Keap chose.
            yield from sorted(taken, key=lambda r: (int(r.get(parent_field) or 0), int(r.get("Id") or 0)))
            if past_high or not full:
                return
            if int(rows[0].get(parent_field) or 0) == last:
                # One key fills the page: page through that key alone in Id order, then go past it.
                if last in members:
                    for row in self.iter_query(table, {parent_field: last}, fields):
                        row_id = int(row.get("Id") or 0)
                        if row_id not in seen:
                            seen.add(row_id)
                            yield row
                condition = f"~>~ {last}"
            else:
                condition = f"~>=~ {last}"
