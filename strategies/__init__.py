"""Built-in strategies, one module each, registered by ``seedwalk.plugins.builtin``.

``BUILTIN_STRATEGIES`` lists them in a fixed order, so listings and registration
do not depend on import order.
"""

from seedwalk.strategies.atr_trailing import AtrTrailing
from seedwalk.strategies.bollinger_reversion import BollingerReversion
from seedwalk.strategies.donchian_breakout import DonchianBreakout
from seedwalk.strategies.ema_cross import EmaCross
from seedwalk.strategies.macd import MacdCross
from seedwalk.strategies.rsi_reversion import RsiReversion
from seedwalk.strategies.sma_cross import SmaCross

BUILTIN_STRATEGIES = (
    SmaCross,
    EmaCross,
    RsiReversion,
    BollingerReversion,
    DonchianBreakout,
    MacdCross,
    AtrTrailing,
)

__all__ = [
    "BUILTIN_STRATEGIES",
    "AtrTrailing",
    "BollingerReversion",
    "DonchianBreakout",
    "EmaCross",
    "MacdCross",
    "RsiReversion",
    "SmaCross",
]
