"""The reproducibility check: the signals must be a function of the job key.

Each parameter set runs three times inside the RNG context (see
:mod:`seedwalk.testing._context`): twice with one job key and once with another.
The probe records the state of every global generator before and after the
strategy runs, which shows whether the strategy drew from it and whether it
reseeded it itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from seedwalk.ohlcv import OHLCV
from seedwalk.strategy import Signals, Strategy
from seedwalk.testing._context import GENERATORS, ContextRunner
from seedwalk.testing._report import FAIL, PASS, SKIP, CheckResult, label_params
from seedwalk.testing._signals import (
    bar_time,
    compute_signals,
    describe_error,
    first_difference,
    wrong_lengths,
)


def run_reproducibility(runner: ContextRunner, strategy: Strategy, data: OHLCV,
                        param_sets: Sequence[dict], full: Sequence[Signals | None]
                        ) -> CheckResult:
    """Check that the same job key gives the same signals, and a new key new draws.

    The first two runs, with the same key, must give identical signals. The run
    with the other key must leave every global generator the strategy drew from
    in a different state than the first run did. An equal state means that the
    strategy seeded the generator itself with a constant.
    """
    n = len(data)
    name = str(getattr(strategy, "name", ""))
    problems = []
    used: set[str] = set()
    tried = 0
    for i, params in enumerate(param_sets):
        if full[i] is None:
            continue
        tried += 1
        label = label_params(i, params)

        def work(params=params):
            return compute_signals(strategy, data, params)

        key = ("seedwalk.testing", name, "reproducibility", i)
        other_key = ("seedwalk.testing", name, "reproducibility", i, "other")
        try:
            first = runner.run(key, work, record_states=True)
            second = runner.run(key, work, record_states=True)
            other = runner.run(other_key, work, record_states=True)
        except Exception as exc:  # the strategy's own failure is the finding
            problems.append(f"{label}: signals() raised {describe_error(exc)} inside the "
                            f"RNG context")
            continue
        if wrong_lengths(first.value, n) or wrong_lengths(second.value, n):
            problems.append(f"{label}: inside the RNG context signals() does not return "
                            f"one value per bar")
            continue

        difference = first_difference(second.value, 0, first.value, 0, n)
        if difference is not None:
            bar = difference.offset
            problems.append(
                f"{label}: two runs with the same job key differ: {difference.field}[{bar}] "
                f"is {difference.expected}, then {difference.value} (bar {bar} opens "
                f"{bar_time(data, bar)}). The strategy draws from a source the RNG context "
                f"does not seed, such as np.random.default_rng() or random.Random() "
                f"without a seed, the clock or os.urandom; draw from np.random, random "
                f"or numba's np.random, which the RNG context seeds for every job")
            continue

        drawn = [g for g in GENERATORS if first.after[g] != first.before[g]]
        used.update(drawn)
        reseeded = [g for g in drawn if other.after[g] == first.after[g]]
        if reseeded:
            problems.append(
                f"{label}: the strategy seeds {', '.join(reseeded)} itself: after it runs, "
                f"the generator is in the same state for two different job keys, so every "
                f"job of a run would get the same random numbers. Remove the seed call "
                f"(random.seed, np.random.seed, or a seed call inside jitted code); the "
                f"RNG context seeds these generators from each job's key")

    if not tried:
        return CheckResult("reproducibility", SKIP, "no parameter set gave full-data signals "
                           "(see 'interface')")
    if problems:
        return CheckResult("reproducibility", FAIL,
                           f"the signals are not a function of the job key for "
                           f"{len(problems)} of {len(param_sets)} parameter set(s)", problems)
    if used:
        drawn_from = ", ".join(g for g in GENERATORS if g in used)
        return CheckResult("reproducibility", PASS,
                           f"the same job key gives identical signals; the strategy draws "
                           f"from {drawn_from}, and a different key gives different draws")
    return CheckResult("reproducibility", PASS,
                       "the same job key gives identical signals; the strategy draws "
                       "nothing from the global generators")
