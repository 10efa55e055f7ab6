"""The public entry points of the conformance kit: one function per check, the whole
report, assertion helpers and a pytest base class."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from typing import Any

from seedwalk.errors import ConfigError
from seedwalk.ohlcv import OHLCV
from seedwalk.seeding import check_base_seed
from seedwalk.space import ParamSpace
from seedwalk.strategy import Strategy
from seedwalk.testing._checks import run_causality, run_interface, run_parameter_space, run_warmup
from seedwalk.testing._context import ContextRunner
from seedwalk.testing._params import distinct, draw_params
from seedwalk.testing._report import CheckResult, Report
from seedwalk.testing._reproducibility import run_reproducibility
from seedwalk.testing._signals import as_strategy

#: Asset of the bundled sample that the checks use when no data is given.
DEFAULT_ASSET = "GALA-USDT"
#: Parameter sets drawn from the strategy's space when none are given.
DEFAULT_PARAM_SETS = 5

StrategyLike = Strategy | type
ParamSets = Sequence[Mapping[str, Any]] | None


@functools.lru_cache(maxsize=4)
def _load_sample(asset: str) -> OHLCV:
    # OHLCV is frozen with read-only arrays, so one cached copy can be shared.
    from seedwalk.plugins.data_sources import SampleSource

    return SampleSource().load(asset)


def load_check_data(asset: str = DEFAULT_ASSET, path: str | os.PathLike | None = None) -> OHLCV:
    """Load the bars the checks run on.

    Args:
        asset: an asset of the bundled sample (20 Binance USDT pairs, 4h bars).
        path: an OHLCV file instead, read by :func:`seedwalk.data.read_ohlcv` with
            its format detected; ``asset`` is then ignored.

    Raises:
        ConfigError: an asset the sample does not have (with the known names).
        DataError: a file that cannot be read or fails validation.
    """
    if path is not None:
        from seedwalk.data import read_ohlcv

        return read_ohlcv(path)
    return _load_sample(asset)


def describe_data(data: OHLCV) -> str:
    """Return e.g. ``GALA-USDT (1500 bars of 4h, 2024-01-01 to 2024-09-06)``."""
    seconds = data.bar_seconds
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds % size == 0:
            bar = f"{seconds // size}{unit}"
            break
    else:
        bar = f"{seconds}s"
    if len(data) == 0:
        return f"{data.asset} (no bars)"
    first, last = data.index[0], data.index[-1]
    return (f"{data.asset} ({len(data)} bars of {bar}, {first:%Y-%m-%d} to "
            f"{last:%Y-%m-%d})")


def _check_count(param_sets) -> int:
    if isinstance(param_sets, bool) or not isinstance(param_sets, int) or param_sets < 1:
        raise ConfigError(f"param_sets must be an integer >= 1 (got {param_sets!r})")
    return param_sets


def _param_sets(strategy: Strategy, params: ParamSets, count: int, seed: int
                ) -> tuple[list[dict], str | None]:
    """Return the distinct parameter sets to check, and why drawing failed, if it did."""
    if params is not None:
        return distinct([dict(p) for p in params]), None
    space = getattr(strategy, "space", None)
    if not isinstance(space, ParamSpace):
        return [], f"the strategy's 'space' is {space!r}, not a ParamSpace"
    try:
        return distinct(draw_params(space, count, seed)), None
    except ConfigError as exc:
        return [], str(exc)


def _inputs(strategy: StrategyLike, data: OHLCV | None, params: ParamSets, param_sets: int,
            seed: int, asset: str):
    instance = as_strategy(strategy)
    check_base_seed(seed)
    count = _check_count(param_sets)
    bars = load_check_data(asset) if data is None else data
    sets, draw_error = _param_sets(instance, params, count, seed)
    return instance, bars, sets, draw_error


def check_interface(strategy: StrategyLike, data: OHLCV | None = None, params: ParamSets = None,
                    *, param_sets: int = DEFAULT_PARAM_SETS, seed: int = 0,
                    asset: str = DEFAULT_ASSET) -> CheckResult:
    """Check the class attributes and that ``signals`` returns one bool per bar.

    Args:
        strategy: a :class:`~seedwalk.strategy.Strategy` subclass or instance.
        data: the bars; by default the bundled sample's ``asset``.
        params: the parameter sets to try; by default ``param_sets`` sets drawn
            from the strategy's space with ``seed`` (see :func:`draw_params`).
        param_sets: how many sets to draw when ``params`` is None.
        seed: seed of the draws, 0 to 2**64 - 1.
        asset: the sample asset used when ``data`` is None.

    Every check computes signals inside the RNG context, as a job does, with
    ``seed`` as the base seed. The other ``check_*`` functions take the same
    arguments.
    """
    instance, bars, sets, _ = _inputs(strategy, data, params, param_sets, seed, asset)
    return run_interface(ContextRunner(seed), instance, bars, sets)[0]


def check_parameter_space(strategy: StrategyLike, params: ParamSets = None, *,
                          param_sets: int = DEFAULT_PARAM_SETS, seed: int = 0) -> CheckResult:
    """Check the space's bounds and constraints, that the drawn sets lie inside it,
    and that ``warmup`` returns a non-negative int no larger than ``max_warmup``."""
    instance = as_strategy(strategy)
    check_base_seed(seed)
    sets, draw_error = _param_sets(instance, params, _check_count(param_sets), seed)
    return run_parameter_space(instance, sets, draw_error)[0]


def check_causality(strategy: StrategyLike, data: OHLCV | None = None, params: ParamSets = None,
                    *, cuts: Sequence[int] | None = None, param_sets: int = DEFAULT_PARAM_SETS,
                    seed: int = 0, asset: str = DEFAULT_ASSET) -> CheckResult:
    """Check that the signals on the first k bars equal the first k full-data signals.

    ``cuts`` sets the prefix lengths k; by default 1, around the warm-up, and
    the quarters of the data.
    """
    instance, bars, sets, draw_error = _inputs(strategy, data, params, param_sets, seed, asset)
    runner = ContextRunner(seed)
    _, full = run_interface(runner, instance, bars, sets)
    _, warmups = run_parameter_space(instance, sets, draw_error)
    return run_causality(runner, instance, bars, sets, full, warmups, cuts)


def check_warmup(strategy: StrategyLike, data: OHLCV | None = None, params: ParamSets = None,
                 *, starts: Sequence[int] | None = None, param_sets: int = DEFAULT_PARAM_SETS,
                 seed: int = 0, asset: str = DEFAULT_ASSET) -> CheckResult:
    """Check that windows with exactly ``warmup(params)`` bars of history give the
    full-history signals.

    ``starts`` sets the window starts (bar positions); by default 16 starts spread
    over the data.
    """
    instance, bars, sets, draw_error = _inputs(strategy, data, params, param_sets, seed, asset)
    runner = ContextRunner(seed)
    _, full = run_interface(runner, instance, bars, sets)
    _, warmups = run_parameter_space(instance, sets, draw_error)
    return run_warmup(runner, instance, bars, sets, full, warmups, starts)


def check_reproducibility(strategy: StrategyLike, data: OHLCV | None = None,
                          params: ParamSets = None, *, param_sets: int = DEFAULT_PARAM_SETS,
                          seed: int = 0, asset: str = DEFAULT_ASSET) -> CheckResult:
    """Check that one job key gives one set of signals and that a strategy drawing
    random numbers gets new draws for a new key."""
    instance, bars, sets, _ = _inputs(strategy, data, params, param_sets, seed, asset)
    runner = ContextRunner(seed)
    _, full = run_interface(runner, instance, bars, sets)
    return run_reproducibility(runner, instance, bars, sets, full)


def check_strategy(strategy: StrategyLike, data: OHLCV | None = None, params: ParamSets = None,
                   *, param_sets: int = DEFAULT_PARAM_SETS, seed: int = 0,
                   asset: str = DEFAULT_ASSET) -> Report:
    """Run every check and return the report.

    Takes the same arguments as :func:`check_interface`. Checks that need signals
    are skipped for parameter sets whose signals could not be computed.
    """
    instance, bars, sets, draw_error = _inputs(strategy, data, params, param_sets, seed, asset)
    runner = ContextRunner(seed)
    interface, full = run_interface(runner, instance, bars, sets)
    space, warmups = run_parameter_space(instance, sets, draw_error)
    results = [
        interface,
        space,
        run_causality(runner, instance, bars, sets, full, warmups),
        run_warmup(runner, instance, bars, sets, full, warmups),
        run_reproducibility(runner, instance, bars, sets, full),
    ]
    return Report(strategy=str(getattr(instance, "name", type(instance).__name__)),
                  data=describe_data(bars), seed=seed, param_sets=sets, results=results,
                  drawn=params is None)


def assert_strategy_conforms(strategy: StrategyLike, data: OHLCV | None = None,
                             params: ParamSets = None, *, param_sets: int = DEFAULT_PARAM_SETS,
                             seed: int = 0, asset: str = DEFAULT_ASSET) -> Report:
    """Run every check; raise AssertionError with the whole report if any fails.

    Returns:
        The report, when every check passed.
    """
    report = check_strategy(strategy, data, params, param_sets=param_sets, seed=seed,
                            asset=asset)
    report.assert_passed()
    return report


def assert_valid_space(strategy: StrategyLike, params: ParamSets = None, **options) -> CheckResult:
    """Like :func:`check_parameter_space`, raising AssertionError on failure."""
    result = check_parameter_space(strategy, params, **options)
    result.assert_passed()
    return result


def assert_causal(strategy: StrategyLike, data: OHLCV | None = None, params: ParamSets = None,
                  **options) -> CheckResult:
    """Like :func:`check_causality`, raising AssertionError on failure."""
    result = check_causality(strategy, data, params, **options)
    result.assert_passed()
    return result


def assert_warmup_sufficient(strategy: StrategyLike, data: OHLCV | None = None,
                             params: ParamSets = None, **options) -> CheckResult:
    """Like :func:`check_warmup`, raising AssertionError on failure."""
    result = check_warmup(strategy, data, params, **options)
    result.assert_passed()
    return result


def assert_reproducible(strategy: StrategyLike, data: OHLCV | None = None,
                        params: ParamSets = None, **options) -> CheckResult:
    """Like :func:`check_reproducibility`, raising AssertionError on failure."""
    result = check_reproducibility(strategy, data, params, **options)
    result.assert_passed()
    return result


class StrategyConformance:
    """Base class for a pytest test class that runs every check on one strategy.

    Subclass it in a test module under a name that starts with ``Test`` and set
    ``strategy``; pytest then collects one test per check::

        from seedwalk.testing import StrategyConformance
        from my_package import MyStrategy

        class TestMyStrategy(StrategyConformance):
            strategy = MyStrategy

    Attributes:
        strategy: the :class:`~seedwalk.strategy.Strategy` subclass or instance.
        asset: the bundled sample asset to check on.
        data_path: an OHLCV file to check on instead of the sample.
        params: explicit parameter sets, or None to draw ``param_sets`` of them.
        param_sets: how many parameter sets to draw from the space.
        seed: seed of the draws.
    """

    strategy: StrategyLike | None = None
    asset: str = DEFAULT_ASSET
    data_path: str | os.PathLike | None = None
    params: ParamSets = None
    param_sets: int = DEFAULT_PARAM_SETS
    seed: int = 0

    def _strategy(self) -> StrategyLike:
        if self.strategy is None:
            raise TypeError(f"{type(self).__name__} must set the class attribute 'strategy' "
                            f"to the Strategy subclass under test")
        return self.strategy

    def _arguments(self) -> dict[str, Any]:
        self._strategy()
        data = load_check_data(self.asset, self.data_path)
        return {"strategy": self.strategy, "data": data, "params": self.params,
                "param_sets": self.param_sets, "seed": self.seed}

    def test_interface(self):
        check_interface(**self._arguments()).assert_passed()

    def test_parameter_space(self):
        assert_valid_space(self._strategy(), self.params, param_sets=self.param_sets,
                           seed=self.seed)

    def test_causality(self):
        assert_causal(**self._arguments())

    def test_warmup(self):
        assert_warmup_sufficient(**self._arguments())

    def test_reproducibility(self):
        assert_reproducible(**self._arguments())
