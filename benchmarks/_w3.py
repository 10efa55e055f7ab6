"""W3: the default walk-forward screen, where its time goes, and what would cut it.

Method. The split comes from one serial run in this process, with timers wrapped
around the functions that do each kind of work:

- sampler: ``optuna.create_study``, ``Study.ask``, ``Study.tell`` and
  ``ParamSpace.suggest`` (whose ``trial.suggest_int`` calls run TPE);
- kernels: ``seedwalk.job.evaluate``, which computes the signals, runs
  ``simulate`` and computes the window metrics. The signals and ``simulate`` are
  also timed on their own, and the rest of ``evaluate`` is Python and NumPy glue;
- framework: everything else in the serial run (plans, seeds, result files).

The executor's share is the joblib run with 1 worker minus the serial run: worker
start-up, pickling jobs and results, and waiting. The joblib runs use fresh
processes for the first repeat (loky reuses its workers afterwards).

Each proposal is applied by monkeypatching, in a serial run in this process. The
table compares its result hash with the baseline's: the exhaustive search is
expected to differ, the others must not.
"""

from __future__ import annotations

import contextlib
import math
import pickle
import statistics
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import optuna

import seedwalk.job
import seedwalk.optimize
from seedwalk.backtest.sweep import sweep_sma_cross
from seedwalk.bench import result_hash
from seedwalk.config import RunConfig
from seedwalk.plugins import samplers
from seedwalk.runner import plan_screen, run_screen
from seedwalk.space import ParamSpace
from seedwalk.strategies.sma_cross import SmaCross


def screen_config(quick: bool, executor: str, workers: int) -> RunConfig:
    """Return the default screen's config (20 assets, 60 TPE trials) on an executor."""
    raw = {"execution": {"executor": executor, "workers": workers}}
    if quick:
        raw["assets"] = ["GALA-USDT", "PEPE-USDT"]
        raw["optimize"] = {"trials": 12}
    return RunConfig.from_dict(raw)


def timed_screen(config: RunConfig) -> tuple[float, str]:
    """Run a screen in a new temporary folder and return (seconds, result hash)."""
    with tempfile.TemporaryDirectory(prefix="seedwalk-w3-") as folder:
        started = time.perf_counter()
        result = run_screen(config, Path(folder) / "run", autoload=False)
        seconds = time.perf_counter() - started
    return seconds, result_hash(result.results)


class Timers:
    """Accumulated seconds per category, filled by wrapped functions."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def wrap(self, function, category: str):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[category] = (self.seconds.get(category, 0.0)
                                          + time.perf_counter() - started)
                self.calls[category] = self.calls.get(category, 0) + 1

        return timed


_MISSING = object()


@contextlib.contextmanager
def patched(*replacements):
    """Set ``(owner, name, value)`` attributes for the duration of the block.

    An attribute that did not exist before is deleted again afterwards.
    """
    saved = [(owner, name, getattr(owner, name, _MISSING)) for owner, name, _ in replacements]
    try:
        for owner, name, value in replacements:
            setattr(owner, name, value)
        yield
    finally:
        for owner, name, value in reversed(saved):
            if value is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, value)


def split_run(config: RunConfig) -> dict:
    """Run the screen serially with timers and return the seconds per category."""
    import seedwalk.backtest

    timers = Timers()
    replacements = [
        (optuna, "create_study", timers.wrap(optuna.create_study, "sampler")),
        (optuna.study.Study, "ask", timers.wrap(optuna.study.Study.ask, "sampler")),
        (optuna.study.Study, "tell", timers.wrap(optuna.study.Study.tell, "sampler")),
        (ParamSpace, "suggest", timers.wrap(ParamSpace.suggest, "sampler")),
        (seedwalk.job, "evaluate", timers.wrap(seedwalk.job.evaluate, "kernels")),
        (SmaCross, "signals", timers.wrap(SmaCross.signals, "signals")),
        (seedwalk.backtest, "simulate", timers.wrap(seedwalk.backtest.simulate, "simulate")),
    ]
    with patched(*replacements):
        total, digest = timed_screen(config)
    seconds = dict(timers.seconds)
    seconds["framework"] = total - seconds["sampler"] - seconds["kernels"]
    seconds["glue"] = seconds["kernels"] - seconds["signals"] - seconds["simulate"]
    return {"total": total, "seconds": seconds, "calls": dict(timers.calls), "hash": digest}


# --- proposals, as monkeypatches -------------------------------------------------------


def _tpe_without_liar(original):
    def create(self, *, seed, space, trials, options):
        # The constant liar only matters while other trials of the study are
        # running; with batches of 1 none are, so the results do not change.
        return original(self, seed=seed, space=space, trials=trials,
                        options={"constant_liar": False, **options})

    return create


def evaluate_sma_cross_batch(params_list, data, start, end, base_options, periods_per_year):
    """Return the window metrics of many SmaCross parameter sets from one sweep call.

    Equal, number for number, to ``seedwalk.job.evaluate(...).metrics``, because the
    sweep's equity, returns and trade counts are bit-identical to simulate's and
    go through the same ``window_metrics``.
    """
    result = sweep_sma_cross(data.open, data.high, data.low, data.close,
                             [p["fast"] for p in params_list], [p["slow"] for p in params_list],
                             start=start, end=end, options=base_options, threads=1,
                             returns=True)
    return [seedwalk.job.window_metrics(result.n_trades[k], result.equity[k], result.returns[k],
                                        base_options.init_cash, periods_per_year)
            for k in range(len(params_list))]


def _batched_map(function, items):
    """Stand in for ``map`` inside ``seedwalk.optimize``: one sweep call per batch.

    ``optimize_window`` maps its closure ``evaluate_one`` over the new parameter sets
    of a batch. For SmaCross this evaluates them all with one
    :func:`evaluate_sma_cross_batch` call instead, reading the window and options
    from the closure; anything else goes to the built-in ``map``.
    """
    if getattr(function, "__name__", "") != "evaluate_one" or function.__closure__ is None:
        return map(function, items)
    context = dict(zip(function.__code__.co_freevars,
                       (cell.cell_contents for cell in function.__closure__)))
    if not isinstance(context.get("strategy"), SmaCross):
        return map(function, items)
    return iter(evaluate_sma_cross_batch(list(items), context["data"], context["start"],
                                         context["end"], context["base_options"],
                                         context["periods_per_year"]))


def optimize_window_exhaustive(*, strategy, space, data, start, end, base_options,
                               periods_per_year, objective, **_):
    """Optimize SmaCross by backtesting every feasible (fast, slow) pair in one sweep.

    A proposal that changes results: the in-sample optimum over the whole grid
    (7,830 pairs for the default space) instead of the best of 60 TPE trials. Sets
    are ranked by the kernel's own Sharpe or Sortino ratio, which can differ from
    NumPy's in the last digits. The winner's metrics come from ``evaluate``.
    """
    grid = space.grid()
    result = sweep_sma_cross(data.open, data.high, data.low, data.close,
                             [p["fast"] for p in grid], [p["slow"] for p in grid],
                             start=start, end=end, options=base_options, threads=1)
    sharpe = result.sharpe(periods_per_year)
    scores = {"sharpe": sharpe, "sortino": result.sortino(periods_per_year),
              "total_return": result.total_return}.get(objective, sharpe)
    values = [seedwalk.optimize._finite(float(v)) for v in scores]
    best = int(np.argmax(values))
    window_metrics = seedwalk.job.evaluate(strategy, grid[best], data, start, end, base_options,
                                           periods_per_year).metrics
    return seedwalk.optimize.Outcome(dict(grid[best]), dict(window_metrics), values,
                                     [float(v) for v in sharpe])


def proposal_runs(config: RunConfig, repeat: int) -> dict:
    """Time the baseline and each proposal serially; return seconds and result hashes.

    The variants run in turn, ``repeat`` rounds, so load from other processes falls
    on all of them alike.
    """
    tpe_create = samplers.TpeSampler.create
    variants = {
        "baseline": [],
        "tpe_constant_liar_off": [(samplers.TpeSampler, "create", _tpe_without_liar(tpe_create))],
        # Module globals come before builtins, so this replaces map() in optimize.py.
        "batched_sweep_kernel": [(seedwalk.optimize, "map", _batched_map)],
    }
    variants["both"] = variants["tpe_constant_liar_off"] + variants["batched_sweep_kernel"]
    variants["exhaustive_grid_sweep"] = [(seedwalk.job, "optimize_window",
                                          optimize_window_exhaustive)]
    out = {name: {"seconds": [], "hashes": set()} for name in variants}
    for _ in range(repeat):
        for name, replacements in variants.items():
            with patched(*replacements):
                seconds, digest = timed_screen(config)
            out[name]["seconds"].append(seconds)
            out[name]["hashes"].add(digest)
    return {name: {"seconds": run["seconds"], "hashes": sorted(run["hashes"])}
            for name, run in out.items()}


# --- the sampler alone ---------------------------------------------------------------


def _toy_objective(params):
    return math.sin(params["fast"] * 0.37) + math.cos(params["slow"] * 0.05)


def sampler_alone(trials: int = 60, studies: int = 5) -> dict:
    """Return TPE's seconds per trial on SmaCross's space, for a few settings.

    The objective is a cheap deterministic function, so the time is the sampler's.
    "static ranges" samples fast in [5, 50] and slow in [20, 200] independently and
    scores fast >= slow as -1e9 instead of narrowing fast's range, which changes
    which parameters a run tries (and so its results).
    """
    space = SmaCross.space
    settings = {
        "current (seedwalk default)": ({}, False),
        "constant_liar=False": ({"constant_liar": False}, False),
        "multivariate=False": ({"multivariate": False}, False),
        "static ranges": ({}, True),
        "static ranges, constant_liar=False": ({"constant_liar": False}, True),
    }
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    out = {}
    for name, (options, static) in settings.items():
        started = time.process_time()
        for seed in range(studies):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=10, **options)
                study = optuna.create_study(direction="maximize", sampler=sampler)
                for _ in range(trials):
                    trial = study.ask()
                    if static:
                        params = {"fast": trial.suggest_int("fast", 5, 50),
                                  "slow": trial.suggest_int("slow", 20, 200)}
                        value = (_toy_objective(params) if params["fast"] < params["slow"]
                                 else -1e9)
                    else:
                        params = space.suggest(trial)
                        value = _toy_objective(params)
                    study.tell(trial, value)
        out[name] = (time.process_time() - started) / (trials * studies)
    return out


def job_payload(config: RunConfig) -> dict:
    """Return the pickled size of the screen's jobs and the time to pickle them all."""
    plan, _, _ = plan_screen(config, tempfile.gettempdir(), autoload=False)
    started = time.perf_counter()
    sizes = [len(pickle.dumps(job)) for job in plan.jobs]
    return {"jobs": len(sizes), "total_bytes": sum(sizes), "max_bytes": max(sizes),
            "pickle_seconds": time.perf_counter() - started}


def thread_speedup_of_sweep(repeat: int = 5) -> dict:
    """Time a trial batch of 60 sets on one job's in-sample window, 1 vs 2 Python threads.

    The sweep kernel releases the GIL, so two threads running sweeps of different
    jobs overlap; this is what a thread executor would get from it.
    """
    from seedwalk.plugins.data_sources import SampleSource

    data = SampleSource().load("GALA-USDT").slice(0, 700)
    rng = np.random.default_rng(0)
    fast = rng.integers(5, 51, 60)
    slow = rng.integers(51, 201, 60)

    def sweep():
        sweep_sma_cross(data.open, data.high, data.low, data.close, fast, slow, start=200,
                        end=700, options={"fee": 0.001}, threads=1, returns=True)

    sweep()
    times = {}
    for workers in (1, 2):
        with ThreadPoolExecutor(workers) as pool:
            runs = []
            for _ in range(repeat):
                started = time.perf_counter()
                list(pool.map(lambda _: sweep(), range(200)))
                runs.append(time.perf_counter() - started)
        times[workers] = statistics.median(runs)
    return {"seconds_1_thread": times[1], "seconds_2_threads": times[2],
            "speedup": times[1] / times[2]}


def run_w3(*, quick: bool, repeat: int) -> dict:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    serial = screen_config(quick, "serial", 1)
    report = {"quick": quick, "payload": job_payload(serial)}
    # An untimed run first, so that imports, numba's cache and the data files are
    # warm for every timed run, as in ``seedwalk bench``.
    timed_screen(serial)
    report["split"] = split_run(serial)
    runs = {}
    for workers in (1, 2):
        config = screen_config(quick, "joblib", workers)
        results = [timed_screen(config) for _ in range(repeat)]
        runs[workers] = {"seconds": [seconds for seconds, _ in results],
                         "hashes": sorted({digest for _, digest in results})}
    report["joblib"] = runs
    report["same_results"] = all(runs[w]["hashes"] == [report["split"]["hash"]] for w in runs)
    report["proposals"] = proposal_runs(serial, repeat)
    report["sampler_alone"] = sampler_alone(trials=12 if quick else 60)
    report["thread_overlap"] = thread_speedup_of_sweep()
    return report


def print_w3(w3: dict) -> None:
    split = w3["split"]
    seconds = split["seconds"]
    total = split["total"]
    print("\n## W3: default walk-forward screen (20 assets, 151 jobs, 60 TPE trials each)\n"
          if not w3["quick"] else "\n## W3 (quick: 2 assets, 12 trials)\n")
    one = min(w3["joblib"][1]["seconds"])
    two = min(w3["joblib"][2]["seconds"])

    print("| run | time |\n|---|---:|")
    print(f"| serial, with timers | {total:.1f} s |")
    for workers in (1, 2):
        values = ", ".join(f"{s:.1f} s" for s in w3["joblib"][workers]["seconds"])
        print(f"| joblib, {workers} worker(s), each repeat | {values} |")
    print(f"\n2 workers vs 1 (best repeats): {one / two:.2f}x. Results identical across serial "
          f"and joblib runs: {'yes' if w3['same_results'] else 'NO'}.\n")

    print("| share of the serial run | seconds | % |\n|---|---:|---:|")
    for name, label in (("sampler", "sampler (Optuna TPE: create, ask, suggest, tell)"),
                        ("kernels", "evaluate(): signals + simulate + metrics"),
                        ("signals", "  of which SmaCross.signals"),
                        ("simulate", "  of which simulate()"),
                        ("glue", "  of which metrics and Python glue"),
                        ("framework", "framework (plans, seeds, result files)")):
        print(f"| {label} | {seconds[name]:.2f} | {100 * seconds[name] / total:.1f} |")
    print(f"| executor overhead (joblib 1 worker - serial) | {one - total:.2f} | "
          f"{100 * (one - total) / total:.1f} |")
    payload = w3["payload"]
    print(f"\nJobs sent to workers: {payload['jobs']}, {payload['total_bytes'] / 1e6:.2f} MB "
          f"pickled in total (largest {payload['max_bytes'] / 1e3:.0f} kB), pickled in "
          f"{payload['pickle_seconds'] * 1e3:.0f} ms.\n")

    print("**Proposals, serial runs, each repeat**\n\n| variant | times | best vs baseline"
          " best | same results as baseline |\n|---|---|---:|---|")
    proposals = w3["proposals"]
    base = proposals["baseline"]
    for name, run in proposals.items():
        same = "yes" if run["hashes"] == base["hashes"] and len(run["hashes"]) == 1 else "no"
        times = ", ".join(f"{value:.1f} s" for value in run["seconds"])
        print(f"| {name} | {times} | {min(base['seconds']) / min(run['seconds']):.2f}x | "
              f"{same} |")

    print("\n**TPE alone, seconds per trial on SmaCross's space**\n\n| setting | ms/trial |"
          "\n|---|---:|")
    for name, value in w3["sampler_alone"].items():
        print(f"| {name} | {value * 1e3:.2f} |")
    overlap = w3["thread_overlap"]
    print(f"\nSweep kernel in 2 Python threads (nogil): {overlap['speedup']:.2f}x the "
          f"throughput of 1 thread.")
