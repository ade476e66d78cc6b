from datetime import timedelta, timezone

from syncsvc.engine.cursors import advance_orders, advance_payments, after_api_switch, order_window, payment_window
from syncsvc.engine.settings import EngineSettings

from .builders import EASTERN, at, payment

SETTINGS = EngineSettings(start_date=at("2024-01-01 00:00"))


def test_first_run_starts_at_the_start_date_and_skips_the_id_query():
    assert order_window({}, SETTINGS) == at("2024-01-01 00:00")
    window = payment_window({}, SETTINGS)
    assert window.dated_since == at("2024-01-01 00:00")
    assert window.id_above is None


def test_no_start_date_reads_everything_on_the_first_run():
    assert order_window({}, EngineSettings()) is None


def test_orders_are_reread_from_the_overlap_before_the_last_lastupdated_seen():
    state = advance_orders({}, [at("2024-03-01 10:05"), at("2024-03-01 09:00"), None])
    assert order_window(state, SETTINGS) == at("2024-03-01 08:05")


def test_order_watermark_moves_only_to_what_was_read():
    state = advance_orders({}, [at("2024-03-01 10:05")])
    assert advance_orders(state, []) == state
    assert advance_orders(state, [at("2024-02-01 00:00")]) == state  # an older row never moves it back
    assert order_window(advance_orders(state, [at("2024-03-02 07:00")]), SETTINGS) == at("2024-03-02 05:00")


def test_overlap_is_real_elapsed_time_across_the_spring_forward():
    # Two real hours before 03:30 EDT on 2024-03-10 is 00:30 EST, not the wall-clock 01:30.
    state = advance_orders({}, [at("2024-03-10 03:30")])
    since = order_window(state, SETTINGS)
    assert since.astimezone(timezone.utc) == at("2024-03-10 03:30").astimezone(timezone.utc) - timedelta(hours=2)
    local = since.astimezone(EASTERN)
    assert (local.hour, local.minute) == (0, 30)


def test_start_date_bounds_later_windows_too():
    settings = EngineSettings(start_date=at("2024-03-01 09:00"))
    state = advance_orders({}, [at("2024-03-01 10:00")])
    assert order_window(state, settings) == at("2024-03-01 09:00")


def test_manual_payment_stamped_midnight_and_entered_after_the_last_cycle_is_inside_the_next_window():
    # The last cycle (at 14:05) read a card payment made at 14:00.
    state = advance_payments({}, [payment(50, "10.00", ref_num="T", pay_date="2024-03-05 14:00")])
    # At 15:00 a user enters a manual payment for today; Infusionsoft stamps it 12:00 AM.
    manual = payment(51, "20.00", pay_type="Check", pay_date="2024-03-05 00:00")
    window = payment_window(state, SETTINGS)
    assert window.dated_since <= manual.pay_date
    # Without the lookback the same payment would fall outside the date window.
    assert payment_window(state, EngineSettings(payment_lookback_hours=0)).dated_since > manual.pay_date


def test_payment_back_dated_three_days_is_caught_by_the_id_rule():
    state = advance_payments({}, [payment(50, "10.00", ref_num="T", pay_date="2024-03-05 14:00")])
    back_dated = payment(51, "20.00", pay_type="Check", pay_date="2024-03-02 00:00")
    window = payment_window(state, SETTINGS)
    assert back_dated.pay_date < window.dated_since  # the date rule alone would miss it
    assert window.id_above == 50 and back_dated.id > window.id_above


def test_payment_watermarks_are_the_highest_date_and_id_read():
    state = {"payments_max_id": 60}
    state = advance_payments(state, [
        payment(55, "1.00", pay_date="2024-03-05 00:00"),
        payment(58, "1.00", pay_date="2024-03-04 00:00"),
    ])
    assert state["payments_max_id"] == 60  # never lowered
    assert payment_window(state, SETTINGS).dated_since == at("2024-03-04 04:00")
    assert advance_payments(state, []) == state


def test_the_first_cycle_after_an_api_switch_reads_a_day_of_orders_and_two_of_payments_back():
    state = advance_payments(advance_orders({}, [at("2024-03-05 10:00")]), [payment(7, "5.00", pay_date="2024-03-05 00:00")])
    switched = after_api_switch(SETTINGS)
    assert order_window(state, switched) == at("2024-03-04 10:00")
    window = payment_window(state, switched)
    assert window.dated_since == at("2024-03-03 00:00") and window.id_above == 7


def test_an_api_switch_never_narrows_wider_settings():
    wide = EngineSettings(order_overlap_minutes=3000, payment_lookback_hours=72)
    assert after_api_switch(wide) == wide
