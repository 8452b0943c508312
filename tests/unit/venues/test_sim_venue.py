"""SimulatedVenue: ids, timestamps, latency, bad input, the VenueClient port."""

from __future__ import annotations

import msgspec
import pytest
from sim_support import AAPL, Harness, equity, px, qty, quote

from nautilus_platform.core.errors import DuplicateError, ValidationError
from nautilus_platform.core.identifiers import AccountId, InstrumentId
from nautilus_platform.model.enums import OrderSide, OrderStatus
from nautilus_platform.model.events import OrderAccepted, OrderFilled, OrderRejected, OrderSubmitted
from nautilus_platform.venues.client import VenueClient
from nautilus_platform.venues.simulated import FeeModel, LatencyModel, RandomLatencyModel, SimulatedVenueConfig

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def test_is_a_venue_client_with_deterministic_ids() -> None:
    h = Harness(venue_id="XSIM", account_id="XSIM-7")
    assert isinstance(h.venue, VenueClient)
    h.clock.set_time(42)
    h.venue.process_quote(quote("99", "100", ts=42))
    h.venue.submit_order(h.factory.market(AAPL, BUY, qty(1)))
    h.venue.submit_order(h.factory.market(AAPL, SELL, qty(1)))
    accepted = [e for e in h.events if isinstance(e, OrderAccepted)]
    filled = [e for e in h.events if isinstance(e, OrderFilled)]
    assert [str(e.venue_order_id) for e in accepted] == ["XSIM-1", "XSIM-2"]
    assert [str(e.trade_id) for e in filled] == ["XSIM-T1", "XSIM-T2"]
    assert all(e.account_id == "XSIM-7" and e.position_id is None for e in filled)
    assert all(e.ts_event == 42 and e.ts_init == 42 for e in h.events)
    assert type(accepted[0].venue_order_id).__name__ == "VenueOrderId"


def test_events_drive_the_order_lifecycle() -> None:
    h = Harness()
    h.venue.process_quote(quote("99", "100", 10, 10))
    order = h.factory.limit(AAPL, BUY, qty(15), px("100"))
    order.apply(
        OrderSubmitted(
            ts_event=0,
            ts_init=0,
            strategy_id=order.strategy_id,
            instrument_id=AAPL,
            client_order_id=order.client_order_id,
            account_id=AccountId("SIM-001"),
        )
    )
    h.venue.submit_order(order)
    h.venue.process_quote(quote("99", "99.50", 10, 10))
    for event in h.events:
        order.apply(event)
    assert order.status is OrderStatus.FILLED
    assert str(order.filled_qty) == "15"


def test_fees_on_fills() -> None:
    h = Harness(instrument=equity(maker_fee="-0.0001", taker_fee="0.001"))
    h.venue.process_quote(quote("99", "100", 100, 100))
    h.venue.submit_order(h.factory.market(AAPL, BUY, qty(10)))  # taker: 1000 * 10bp = 1.00
    h.venue.submit_order(h.factory.limit(AAPL, SELL, qty(10), px("101")))
    h.venue.process_quote(quote("101", "102", 100, 100))  # maker rebate: 1010 * -1bp = -0.10 (rounded half-even)
    commissions = [str(e.commission) for e in h.events if isinstance(e, OrderFilled)]
    assert commissions == ["1.00 USD", "-0.10 USD"]
    h2 = Harness(fee_model=FeeModel.fixed("2"))
    h2.venue.process_quote(quote("99", "100", 100, 5))
    h2.venue.submit_order(h2.factory.limit(AAPL, BUY, qty(10), px("100")))
    h2.venue.process_quote(quote("99", "100", 100, 5))
    assert [str(e.commission) for e in h2.events if isinstance(e, OrderFilled)] == ["2.00 USD", "0.00 USD"]


def test_bad_input_is_answered_with_events() -> None:
    h = Harness()
    other = InstrumentId("MSFT.SIM")
    h.venue.submit_order(h.factory.market(other, BUY, qty(1)))
    h.venue.modify_order(h.factory.limit(other, BUY, qty(1), px("1")), qty(2), None, None)
    h.venue.cancel_order(h.factory.limit(other, BUY, qty(1), px("1")))
    h.venue.cancel_order(h.factory.limit(AAPL, BUY, qty(1), px("1")))
    assert h.kinds() == ["OrderRejected", "OrderModifyRejected", "OrderCancelRejected", "OrderCancelRejected"]
    # data for unknown instruments is ignored
    h.venue.process_quote(msgspec.structs.replace(quote("1", "2"), instrument_id=other))
    assert len(h.events) == 4


def test_untradable_and_duplicate_orders_are_rejected() -> None:
    h = Harness(instrument=equity(tradable=False))
    h.venue.process_quote(quote("99", "100"))
    h.venue.submit_order(h.factory.limit(AAPL, BUY, qty(1), px("98")))
    assert isinstance(h.events[0], OrderRejected) and "tradable" in h.events[0].reason
    h = Harness()
    order = h.factory.limit(AAPL, BUY, qty(1), px("98"))
    h.venue.submit_order(order)
    h.venue.submit_order(order)
    assert h.kinds() == ["OrderAccepted", "OrderRejected"]


def test_add_instrument_twice() -> None:
    h = Harness()
    h.venue.add_instrument(equity())  # same terms: no-op
    with pytest.raises(DuplicateError):
        h.venue.add_instrument(equity(taker_fee="0.01"))


def test_config_validation() -> None:
    with pytest.raises(ValidationError):
        SimulatedVenueConfig(book_type="L3")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        SimulatedVenueConfig(bar_execution="later")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        SimulatedVenueConfig(venue_id="A.B")


def test_latency_delays_commands_until_due() -> None:
    h = Harness(latency_model=LatencyModel(insert_ns=100, modify_ns=50, cancel_ns=10))
    h.venue.process_quote(quote("99", "100"))
    order = h.factory.limit(AAPL, BUY, qty(1), px("98"))
    h.venue.submit_order(order)  # due at 100
    assert h.events == []
    h.venue.process_time(99)
    assert h.events == []
    h.venue.process_time(100)
    assert h.kinds() == ["OrderAccepted"] and h.events[0].ts_event == 100
    h.take()
    h.clock.set_time(200)
    h.venue.modify_order(order, None, px("97"), None)  # due at 250
    h.venue.cancel_order(order)  # due at 210: acts first
    h.venue.process_time(300)
    assert h.kinds() == ["OrderCanceled", "OrderModifyRejected"]
    assert [e.ts_event for e in h.events] == [210, 250]


def test_latency_market_data_delivers_due_commands_first() -> None:
    h = Harness(latency_model=LatencyModel(insert_ns=100))
    h.venue.process_quote(quote("99", "100", 10, 10))
    h.venue.submit_order(h.factory.market(AAPL, BUY, qty(1)))
    h.venue.process_quote(quote("100", "101", 10, 10, ts=150))
    fill = [e for e in h.events if isinstance(e, OrderFilled)]
    assert str(fill[0].last_px) == "100.00" and fill[0].ts_event == 100


def test_seeded_random_latency_is_reproducible() -> None:
    def run(seed: int) -> list[tuple[str, int]]:
        h = Harness(latency_model=RandomLatencyModel(seed, (10, 1_000)))
        h.venue.process_quote(quote("99", "100", 1_000, 1_000))
        for _ in range(10):
            h.venue.submit_order(h.factory.market(AAPL, BUY, qty(1)))
        h.venue.process_time(10_000)
        return [(str(e.client_order_id), e.ts_event) for e in h.events if isinstance(e, OrderAccepted)]

    first = run(3)
    assert first == run(3)
    assert [ts for _, ts in first] == sorted(ts for _, ts in first)  # delivered in time order
    assert first != run(4)


def test_market_data_for_an_instrument_added_after_it_reaches_its_engine() -> None:
    # The venue answers a replay's repeated instrument from the one it looked up last; adding
    # the instrument must not leave the earlier "no engine" answer behind.
    h = Harness()
    msft = InstrumentId("MSFT.SIM")
    h.venue.process_quote_raw(msft, 1, px("10.00").raw, px("10.02").raw, quote("10.00", "10.02"))
    assert h.venue.engine(msft) is None
    h.venue.add_instrument(equity(instrument_id=msft))
    h.venue.process_quote_raw(msft, 2, px("11.00").raw, px("11.02").raw, quote("11.00", "11.02"))
    engine = h.venue.engine(msft)
    assert engine is not None and engine.book.bid == px("11.00").raw and engine.book.ask == px("11.02").raw
    h.venue.process_quote_raw(AAPL, 3, px("1.00").raw, px("1.02").raw, quote("1.00", "1.02"))
    h.venue.process_quote_raw(msft, 4, px("12.00").raw, px("12.02").raw, quote("12.00", "12.02"))
    aapl = h.venue.engine(AAPL)
    assert aapl is not None and aapl.book.bid == px("1.00").raw and engine.book.bid == px("12.00").raw
