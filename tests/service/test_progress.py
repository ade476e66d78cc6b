"""Progress of long runs: a bar on a terminal, plain lines in logs and pipes, nothing for short runs."""

from __future__ import annotations

import io

from syncsvc.service.progress import PlainLines, TtyBar, progress_for
from syncsvc.sync.cycle import run_cycle
from syncsvc.sync.wiring import open_parts
from tests.e2e.shop import Shop


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_pipe_gets_one_plain_line_per_tenth_and_a_terminal_gets_a_bar_redrawn_in_place():
    pipe, terminal = io.StringIO(), Terminal()
    plain, bar = progress_for(pipe), progress_for(terminal)
    assert isinstance(plain, PlainLines) and isinstance(bar, TtyBar)
    for done in range(0, 201):
        plain.update(done, 200)
        bar.update(done, 200)
    plain.close()
    bar.close()

    lines = pipe.getvalue().splitlines()
    assert "\r" not in pipe.getvalue() and len(lines) == 11
    assert lines[0].strip() == "orders: 0/200 (0%)" and lines[-1].strip() == "orders: 200/200 (100%)"
    drawn = terminal.getvalue()
    assert drawn.startswith("\r") and drawn.endswith("\n") and drawn.count("\n") == 1
    assert drawn.rstrip().endswith("200/200 100%") and "[" + "#" * 30 + "]" in drawn


def test_short_runs_show_nothing():
    pipe, terminal = io.StringIO(), Terminal()
    for progress in (progress_for(pipe), progress_for(terminal)):
        for done in range(4):
            progress.update(done, 3)
        progress.close()
    assert pipe.getvalue() == terminal.getvalue() == ""


def test_the_cycle_reports_every_order_up_to_the_total(world):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    widget = shop.product(price="3.00")
    for _ in range(5):
        shop.order(jane, (widget, "3.00", 1))
    seen = []
    settings = world.settings(batch_size=2)
    with open_parts(settings, upgrade_schema=False) as parts:
        summary = run_cycle(parts.source, parts.qb, parts.state, settings.sync,
                            progress=lambda done, total: seen.append((done, total)))
    assert summary.counts["invoices"] == 5
    assert seen[0] == (0, 5) and seen[-1] == (5, 5)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
