"""Marks through ``TradingNode``: a bar marks its instrument at its close unless the instrument is
quoted, in which case the quote's mid stays the mark (``Cache.mark_raw``'s rule)."""

from __future__ import annotations

from exec_support import AAPL, Harness, px, qty, raw

from nautilus_platform.model.data import Bar, BarType


def _bar(h: Harness, close: str) -> Bar:
    ts = h.tick()
    return Bar(
        bar_type=BarType.from_str(f"{AAPL}-1-MINUTE-LAST"), open=px(close), high=px(close), low=px(close),
        close=px(close), volume=qty(100), ts_event=ts, ts_init=ts,
    )  # fmt: skip


def test_a_bar_marks_at_its_close_without_quotes_and_leaves_the_quote_mid_as_the_mark() -> None:
    h = Harness()
    marks = h.node.portfolio.marks
    h.node.process(_bar(h, "101.50"))
    assert marks[AAPL] == raw("101.50") == h.node.cache.mark_raw(AAPL)
    h.quote("99.00", "100.00")
    assert marks[AAPL] == raw("99.50")
    h.node.process(_bar(h, "105.00"))
    assert marks[AAPL] == raw("99.50") == h.node.cache.mark_raw(AAPL)  # quoted: the mid, not the close
    assert h.node.cache.last_raw[AAPL] == raw("105.00")
