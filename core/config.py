"""Run configuration: frozen attrs classes built from TOML, a dict or defaults.

Every key a config file may contain is a field here, with its unit, and
``docs/configuration.md`` lists them all. Unknown keys are rejected with a close
match, because a misspelt key that is silently ignored would change a run's
meaning without a trace.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from seedwalk._names import suggest
from seedwalk.errors import ConfigError
from seedwalk.seeding import check_base_seed

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib


def _reject_unknown(table: str, given: Mapping[str, Any], cls) -> None:
    known = [f.alias or f.name for f in attrs.fields(cls)]
    for key in given:
        if key not in known:
            raise ConfigError(f"unknown key {key!r} in [{table}]. {suggest(key, known)}")


def _positive_int(instance, attribute, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{attribute.name} must be a positive integer (got {value!r})")


def _non_negative_int(instance, attribute, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{attribute.name} must be an integer >= 0 (got {value!r})")


def _number(instance, attribute, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{attribute.name} must be a number (got {value!r})")


@attrs.frozen
class DataConfig:
    """The ``[data]`` table: which data source to use and its options.

    Attributes:
        source: a data source name; ``"sample"`` is the bundled 20-asset 4h sample.
        options: the remaining keys of the table, passed to the source.
        base_dir: folder that relative paths in ``options`` are resolved against.
    """

    source: str = "sample"
    options: Mapping[str, Any] = attrs.field(factory=dict)
    base_dir: str = "."


@attrs.frozen
class WalkForwardConfig:
    """The ``[walkforward]`` table. All lengths are in bars of the data.

    Attributes:
        in_sample: bars in each in-sample (optimization) window.
        out_of_sample: bars in each out-of-sample (test) window.
        step: bars between the starts of consecutive folds; defaults to
            ``out_of_sample``, so the out-of-sample windows tile the test period.
        anchored: when true, every in-sample window starts at the first bar and grows.
        gap: bars left out between an in-sample window and its out-of-sample window
            (a purge gap), for features or labels that span the boundary.
    """

    in_sample: int = attrs.field(default=500, validator=_positive_int)
    out_of_sample: int = attrs.field(default=125, validator=_positive_int)
    step: int | None = attrs.field(default=None)
    anchored: bool = False
    gap: int = attrs.field(default=0, validator=_non_negative_int)

    def __attrs_post_init__(self):
        if self.step is not None:
            _positive_int(self, attrs.fields(WalkForwardConfig).step, self.step)
            if self.step < self.out_of_sample:
                raise ConfigError(
                    f"walkforward.step {self.step!r} is shorter than out_of_sample "
                    f"{self.out_of_sample!r}, so out-of-sample windows would overlap; set "
                    f"step >= out_of_sample"
                )

    @property
    def fold_step(self) -> int:
        return self.step if self.step is not None else self.out_of_sample


@attrs.frozen
class OptimizeConfig:
    """The ``[optimize]`` table.

    Attributes:
        sampler: a sampler name (``"tpe"`` by default).
        trials: parameter sets evaluated per in-sample window.
        batch_size: trials asked from the sampler before their results are told back.
            Results depend on this number (a sampler learns less within a batch), never
            on the worker count.
        objective: in-sample metric to maximize: ``"sharpe"``, ``"sortino"``,
            ``"total_return"`` or ``"calmar"``.
        sampler_options: keyword arguments for the sampler (for TPE, for example
            ``n_startup_trials``).
        trial_workers: threads that evaluate the trials of one batch inside a job.
            Like the executor's workers, it changes speed only.
    """

    sampler: str = "tpe"
    trials: int = attrs.field(default=60, validator=_positive_int)
    batch_size: int = attrs.field(default=1, validator=_positive_int)
    objective: str = "sharpe"
    sampler_options: Mapping[str, Any] = attrs.field(factory=dict)
    trial_workers: int = attrs.field(default=1, validator=_positive_int)

    def __attrs_post_init__(self):
        if self.objective not in OBJECTIVES:
            raise ConfigError(f"unknown objective {self.objective!r}. "
                              f"{suggest(self.objective, OBJECTIVES)}")


OBJECTIVES = ("sharpe", "sortino", "total_return", "calmar")


@attrs.frozen
class CriteriaConfig:
    """The ``[criteria]`` table: what an asset needs to PASS the screen.

    Attributes:
        min_oos_sharpe: minimum annualized Sharpe of the stitched out-of-sample returns.
        min_wfe: minimum walk-forward efficiency (annualized out-of-sample return over
            the mean annualized in-sample return); an undefined WFE fails.
        min_trades: minimum number of out-of-sample trades over all folds.
        max_drawdown: largest tolerated out-of-sample drawdown as a positive fraction
            (0.35 means the stitched equity may fall at most 35 % from a peak).
    """

    min_oos_sharpe: float = attrs.field(default=0.5, validator=_number)
    min_wfe: float = attrs.field(default=0.5, validator=_number)
    min_trades: int = attrs.field(default=5, validator=_non_negative_int)
    max_drawdown: float = attrs.field(default=0.35, validator=_number)

    def __attrs_post_init__(self):
        if not 0 < self.max_drawdown <= 1:
            raise ConfigError(f"criteria.max_drawdown must be a fraction in (0, 1] "
                              f"(got {self.max_drawdown!r}); 0.35 means 35 %")


@attrs.frozen
class ExecutionConfig:
    """The ``[execution]`` table: what runs the jobs. It never changes results.

    Attributes:
        executor: an executor name (``"serial"``, ``"joblib"``, ...).
        workers: number of workers; 0 means one per CPU core of this machine.
        options: extra keyword arguments for the executor.
    """

    executor: str = "joblib"
    workers: int = attrs.field(default=0, validator=_non_negative_int)
    options: Mapping[str, Any] = attrs.field(factory=dict)

    def resolved_workers(self) -> int:
        return self.workers or (os.cpu_count() or 1)


@attrs.frozen
class RunConfig:
    """A whole screen: data, strategy, folds, optimization, engine, criteria, execution.

    Attributes:
        seed: the base seed every job's seeds derive from (0 to 2**64 - 1).
        strategy: a strategy name.
        assets: asset names to screen, or None for every asset of the data source.
        space: parameter bound overrides, ``{"fast": {"low": 5, "high": 30}}``.
        backtest: engine options (see ``seedwalk.backtest.BacktestOptions``) plus
            ``calendar`` (``"crypto"`` or ``"equity"``) for annualization.
        plugins: module names to load as plugins, in the main process and in workers.
    """

    seed: int = attrs.field(default=0, converter=check_base_seed)
    strategy: str = "sma_cross"
    assets: tuple[str, ...] | None = attrs.field(
        default=None, converter=attrs.converters.optional(tuple))
    space: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)
    data: DataConfig = attrs.field(factory=DataConfig)
    walkforward: WalkForwardConfig = attrs.field(factory=WalkForwardConfig)
    optimize: OptimizeConfig = attrs.field(factory=OptimizeConfig)
    backtest: Mapping[str, Any] = attrs.field(factory=lambda: dict(DEFAULT_BACKTEST))
    criteria: CriteriaConfig = attrs.field(factory=CriteriaConfig)
    execution: ExecutionConfig = attrs.field(factory=ExecutionConfig)
    plugins: tuple[str, ...] = attrs.field(default=(), converter=tuple)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], *, base_dir: str | os.PathLike = ".") -> "RunConfig":
        """Build from a nested mapping shaped like the TOML file."""
        raw = dict(raw)
        _reject_unknown("top level", raw, cls)
        kwargs: dict[str, Any] = {}
        for key in ("seed", "strategy", "assets", "plugins"):
            if key in raw:
                kwargs[key] = raw[key]
        if "space" in raw:
            kwargs["space"] = {name: dict(fields) for name, fields in raw["space"].items()}
        if "data" in raw:
            data = dict(raw["data"])
            source = data.pop("source", "sample")
            kwargs["data"] = DataConfig(source=source, options=data, base_dir=str(base_dir))
        else:
            kwargs["data"] = DataConfig(base_dir=str(base_dir))
        for key, table_cls in (("walkforward", WalkForwardConfig), ("optimize", OptimizeConfig),
                               ("criteria", CriteriaConfig), ("execution", ExecutionConfig)):
            if key in raw:
                table = dict(raw[key])
                _reject_unknown(key, table, table_cls)
                try:
                    kwargs[key] = table_cls(**table)
                except TypeError as exc:
                    raise ConfigError(f"invalid [{key}] table: {exc}") from None
        if "backtest" in raw:
            kwargs["backtest"] = {**DEFAULT_BACKTEST, **raw["backtest"]}
        config = cls(**kwargs)
        config.backtest_options()  # validate engine options now, not inside a worker
        return config

    @classmethod
    def from_toml(cls, path: str | os.PathLike) -> "RunConfig":
        """Read a TOML file; relative data paths are resolved against its folder."""
        path = Path(path)
        try:
            with path.open("rb") as handle:
                raw = tomllib.load(handle)
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {str(path)!r}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {str(path)!r} is not valid TOML: {exc}") from None
        return cls.from_dict(raw, base_dir=path.resolve().parent)

    def backtest_options(self):
        """Return the engine options (without ``calendar``) as a ``BacktestOptions``."""
        from seedwalk.backtest import BacktestOptions

        options = {k: v for k, v in self.backtest.items() if k != "calendar"}
        return BacktestOptions.from_dict(options)

    @property
    def calendar(self) -> str:
        return self.backtest.get("calendar", "crypto")

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict that :meth:`from_dict` turns back into this config.

        ``data.base_dir`` is left out because it depends on where the file was read.
        """
        return {
            "seed": self.seed,
            "strategy": self.strategy,
            "assets": list(self.assets) if self.assets is not None else None,
            "space": {k: dict(v) for k, v in self.space.items()},
            "data": {"source": self.data.source, **dict(self.data.options)},
            "walkforward": attrs.asdict(self.walkforward),
            "optimize": attrs.asdict(self.optimize),
            "backtest": dict(self.backtest),
            "criteria": attrs.asdict(self.criteria),
            "execution": attrs.asdict(self.execution),
            "plugins": list(self.plugins),
        }

    def results_dict(self) -> dict[str, Any]:
        """Return the part of :meth:`to_dict` that can change results.

        Execution settings and the asset selection are left out on purpose: a job's
        result does not depend on them, so a run resumed with other workers, another
        executor or a subset of assets reuses the finished jobs.
        """
        config = self.to_dict()
        config.pop("execution")
        config.pop("assets")
        config["optimize"].pop("trial_workers")
        return config


#: Engine defaults for screens: Binance's standard spot taker fee (0.1 %) per fill,
#: all of equity per position, next-open fills, crypto calendar.
DEFAULT_BACKTEST: dict[str, Any] = {"fee": 0.001, "calendar": "crypto"}
