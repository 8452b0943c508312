"""Example strategies shipped with the platform (also usable as ``naut backtest`` short names)."""

from nautilus_platform.strategy.examples.bollinger_breakout import BollingerBreakout
from nautilus_platform.strategy.examples.ma_cross import MovingAverageCross
from nautilus_platform.strategy.examples.market_maker import TwoVenueMarketMaker
from nautilus_platform.strategy.examples.rsi_reversion import RsiMeanReversion

EXAMPLES = {
    "ma-cross": MovingAverageCross,
    "rsi-reversion": RsiMeanReversion,
    "bollinger-breakout": BollingerBreakout,
    "market-maker": TwoVenueMarketMaker,
}

__all__ = ["EXAMPLES", "BollingerBreakout", "MovingAverageCross", "RsiMeanReversion", "TwoVenueMarketMaker"]
