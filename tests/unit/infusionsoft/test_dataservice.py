"""What DataService puts on the wire when it pages, and how it groups ids."""

from __future__ import annotations

from syncsvc.infusionsoft.dataservice import DataService, chunked, clusters

from .conftest import response_xml


def test_paging_sends_explicit_fields_id_order_and_stops_at_a_short_page(api, make_transport):
    api.answer(response_xml([{"Id": 1}, {"Id": 2}]))
    api.answer(response_xml([{"Id": 2}, {"Id": 3}]))  # a row shifted back across the boundary
    api.answer(response_xml([{"Id": 4}]))
    data = DataService(make_transport(), page_size=2)
    rows = list(data.iter_query("Job", {"LastUpdated": "~>=~ 2026-11-01 00:00:00"}, ["JobTitle"]))
    assert [r["Id"] for r in rows] == [1, 2, 3, 4]  # no repeat
    sent = api.calls()
    assert [params[3] for _, params in sent] == [0, 1, 2]  # page numbers
    for method, params in sent:
        assert method == "DataService.query"
        assert params[1:3] == ("Job", 2)
        assert params[4] == {"LastUpdated": "~>=~ 2026-11-01 00:00:00"}
        assert params[5] == ["Id", "JobTitle"]
        assert params[6:] == ("Id", True)


def test_empty_filter_becomes_a_match_all_like(api, make_transport):
    api.answer(response_xml(0))
    DataService(make_transport()).count("Job", {})
    assert api.calls()[0][1][2] == {"Id": "%"}


def test_ids_are_chunked_at_1000_distinct_and_sorted():
    chunks = list(chunked([5, 3, 3, 0, None, *range(1, 2500)]))
    assert [len(c) for c in chunks] == [1000, 1000, 499]
    assert chunks[0][:3] == [1, 2, 3] and chunks[-1][-1] == 2499


def test_clusters_split_on_gaps():
    assert clusters([1, 2, 300, 240, 1000, 1001, 0], gap=250) == [[1, 2, 240, 300], [1000, 1001]]
    assert clusters([1, 300], gap=250) == [[1], [300]]
    assert clusters([]) == []
