"""Query literals in the account's zone, including both DST transitions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from syncsvc.infusionsoft import dates

NY = ZoneInfo("America/New_York")
UTC = timezone.utc


def test_literal_is_account_wall_clock_from_any_zone():
    assert dates.literal(datetime(2026, 11, 1, 4, 0, tzinfo=UTC), NY) == "2026-11-01 00:00:00"
    assert dates.literal(datetime(2026, 1, 15, 12, 0, tzinfo=UTC), NY) == "2026-01-15 07:00:00"
    assert dates.literal(datetime(2026, 1, 15, 12, 0, tzinfo=UTC), ZoneInfo("America/Los_Angeles")) == "2026-01-15 04:00:00"
    assert dates.since(datetime(2026, 11, 1, tzinfo=NY), NY) == "~>=~ 2026-11-01 00:00:00"
    assert dates.since(datetime(2026, 11, 1, tzinfo=NY), NY, inclusive=False) == "~>~ 2026-11-01 00:00:00"
    assert dates.until(datetime(2026, 7, 4, 23, 59, 59, tzinfo=NY), NY) == "~<=~ 2026-07-04 23:59:59"
    assert dates.id_above(41) == "~>~ 41"


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="time zone"):
        dates.since(datetime(2026, 11, 1), NY)


def test_fall_back_lower_bound_in_first_pass_is_widened_to_cover_the_second_pass():
    # 05:50 UTC is 01:50 EDT (first pass). 01:10 EST (06:10 UTC) is later but reads earlier.
    first_pass = datetime(2026, 11, 1, 5, 50, tzinfo=UTC)
    assert dates.literal(first_pass, NY) == "2026-11-01 01:50:00"
    assert dates.since(first_pass, NY) == "~>=~ 2026-11-01 00:50:00"
    later_in_second_pass = datetime(2026, 11, 1, 6, 10, tzinfo=UTC)
    assert dates.literal(later_in_second_pass, NY) >= "2026-11-01 00:50:00"
    # an upper bound in the first pass needs no widening
    assert dates.until(first_pass, NY) == "~<=~ 2026-11-01 01:50:00"


def test_fall_back_upper_bound_in_second_pass_is_widened():
    second_pass = datetime(2026, 11, 1, 6, 10, tzinfo=UTC)  # 01:10 EST
    assert dates.since(second_pass, NY) == "~>=~ 2026-11-01 01:10:00"
    assert dates.until(second_pass, NY) == "~<=~ 2026-11-01 02:10:00"


def test_every_instant_after_a_lower_bound_reads_at_or_after_its_literal():
    start = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
    minutes = [start + timedelta(minutes=5 * i) for i in range(48)]
    for i, bound in enumerate(minutes):
        literal = dates.lower_bound_literal(bound, NY)
        for later in minutes[i:]:
            assert dates.literal(later, NY) >= literal, (bound, later)
        upper = dates.upper_bound_literal(bound, NY)
        for earlier in minutes[: i + 1]:
            assert dates.literal(earlier, NY) <= upper, (bound, earlier)


def test_spring_forward_has_no_gap_hour_in_literals():
    before = datetime(2026, 3, 8, 6, 59, tzinfo=UTC)  # 01:59 EST
    after = datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT
    assert dates.since(before, NY) == "~>=~ 2026-03-08 01:59:00"
    assert dates.since(after, NY) == "~>=~ 2026-03-08 03:00:00"
