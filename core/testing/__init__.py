"""The strategy conformance kit, for a plugin author's own test suite.

It runs a strategy on real bars (by default the bundled sample's GALA-USDT, 4h)
for several parameter sets drawn reproducibly from the strategy's space, and
checks what the rest of seedwalk relies on:

- interface: the class attributes, and one bool signal per bar;
- parameter space: valid bounds and constraints, draws inside them, and a
  ``warmup(params)`` that is a non-negative int no larger than ``max_warmup()``;
- causality: the signals on the first k bars equal the first k signals on all
  bars, so no signal reads a later bar;
- warm-up: a window with exactly ``warmup(params)`` bars of history gives the
  signals that the full history gives;
- reproducibility: inside the RNG context, one job key gives one set of signals,
  and a strategy that draws random numbers gets new draws for a new key.

Use :func:`check_strategy` for a :class:`Report`, :func:`assert_strategy_conforms`
or the ``assert_*`` functions in plain tests (they raise AssertionError with the
report), or subclass :class:`StrategyConformance` for one pytest test per check.
``seedwalk check-strategy NAME`` prints the same report from the command line.
"""

from seedwalk.testing._conformance import (
    DEFAULT_ASSET,
    DEFAULT_PARAM_SETS,
    StrategyConformance,
    assert_causal,
    assert_reproducible,
    assert_strategy_conforms,
    assert_valid_space,
    assert_warmup_sufficient,
    check_causality,
    check_interface,
    check_parameter_space,
    check_reproducibility,
    check_strategy,
    check_warmup,
    describe_data,
    load_check_data,
)
from seedwalk.testing._params import draw_params
from seedwalk.testing._report import CHECKS, CheckResult, Report

__all__ = [
    "CHECKS",
    "DEFAULT_ASSET",
    "DEFAULT_PARAM_SETS",
    "CheckResult",
    "Report",
    "StrategyConformance",
    "assert_causal",
    "assert_reproducible",
    "assert_strategy_conforms",
    "assert_valid_space",
    "assert_warmup_sufficient",
    "check_causality",
    "check_interface",
    "check_parameter_space",
    "check_reproducibility",
    "check_strategy",
    "check_warmup",
    "describe_data",
    "draw_params",
    "load_check_data",
]
