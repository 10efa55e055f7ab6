"""The executor contract kit: whatever runs a screen, every result stays the same.

An executor only moves jobs to workers and results back, so nothing it does may
change a number. This kit runs a small real screen on the executor under test: the
bundled sample, three assets, 300-bar in-sample and 100-bar out-of-sample windows,
8 trials per window, 31 jobs. It compares the run with the same screen run by the
serial executor. Every job result's digest must match (differences are listed field
by field), and every cell of ``results.csv`` must match as exact text. The checks are:

``workers``
    one run per worker count (1, 2 and 4 by default);
``reversed_order``
    jobs submitted in reversed key order, with the largest worker count;
``alone_in_batch``
    one asset screened alone, compared with the same asset inside the batch;
``hash_seed``
    ``python -m seedwalk screen`` in new processes with ``PYTHONHASHSEED`` 0 and 1,
    because a process's hash seed is fixed when the interpreter starts.

An executor author calls it from their own pytest suite::

    from seedwalk.testing_executors import check_executor

    def test_my_executor_keeps_results(tmp_path):
        check_executor("my_executor", plugins=["my_package.seedwalk_plugin"],
                       tmp_path=tmp_path)

Pass ``checks=("workers",)`` (or any subset of :data:`CHECKS`) to split the work
over several tests, and ``reference=`` a :func:`run_reference` result made once per
session to skip the serial run. A failure raises :class:`ExecutorContractError`,
which lists each differing job by key and field.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from seedwalk.config import RunConfig
from seedwalk.errors import ConfigError, ReproducibilityError
from seedwalk.job import JobResult
from seedwalk.plugins_manager import AUTOLOAD_ENV
from seedwalk.runner import plan_screen, run_screen
from seedwalk.seeding import canonical_key

__all__ = [
    "CHECKS", "DEFAULT_ASSETS", "ContractReport", "ContractRun", "ExecutorContractError",
    "Mismatch", "RunSnapshot", "check_alone_in_batch", "check_executor", "check_hash_seeds",
    "check_reversed_order", "check_worker_counts", "compare_runs", "compare_tables",
    "contract_config", "contract_config_dict", "diff_results", "format_mismatches",
    "run_cli_screen", "run_contract_screen", "run_reference",
]

#: Three bundled assets with 1,495, 1,500 and 1,113 bars: 11, 12 and 8 folds.
DEFAULT_ASSETS = ("BTC-USDT", "GALA-USDT", "WIF-USDT")

#: The checks :func:`check_executor` runs, in this order.
CHECKS = ("workers", "reversed_order", "alone_in_batch", "hash_seed")

#: Windows and trials of the contract screen: small, so one run takes seconds, but
#: with more trials than TPE's random start-up trials, so the seeded sampler works.
CONTRACT_WALKFORWARD = {"in_sample": 300, "out_of_sample": 100}
CONTRACT_TRIALS = 8

#: How many differing fields :class:`ExecutorContractError`'s message shows per job,
#: and how many lines it shows in all. Its ``mismatches`` attribute keeps every one.
FIELDS_SHOWN_PER_JOB = 3
LINES_SHOWN = 60


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------


@attrs.frozen
class Mismatch:
    """One difference between the reference run and a run of the executor under test.

    Attributes:
        check: the run that differs, for example ``"dask workers=2"``.
        job: the job's canonical key, or None for ``results.csv`` and run-level items.
        field: where the value differs: a dotted path into the job result such as
            ``"out_of_sample.sharpe"`` or ``"oos_returns[17]"``, ``"job"`` for a job
            missing on one side, or ``"results.csv <asset> <column>"``.
        expected: the reference's value (JSON text for job fields).
        actual: the value of the run under test.
    """

    check: str
    job: str | None
    field: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        where = f"job {self.job}" if self.job is not None else "run"
        return (f"{self.check}: {where}: {self.field}: expected {self.expected!r}, "
                f"got {self.actual!r}")


@attrs.frozen(eq=False)
class RunSnapshot:
    """The saved results of one run, read back from its run folder.

    Attributes:
        label: what produced the run, for example ``"serial workers=1"``.
        config: the run's config.
        run_dir: the run folder.
        results: every saved job result, by canonical key.
        results_csv: the text of ``results.csv``.
    """

    label: str
    config: RunConfig
    run_dir: Path
    results: Mapping[str, JobResult]
    results_csv: str

    @classmethod
    def read(cls, run_dir: str | os.PathLike, *, label: str, config: RunConfig) -> "RunSnapshot":
        """Read every ``jobs/*.json`` file and ``results.csv`` of a finished run."""
        run_dir = Path(run_dir)
        results = {}
        for path in sorted((run_dir / "jobs").glob("*.json")):
            result = JobResult.from_json(path.read_text(encoding="utf-8"))
            results[canonical_key(result.key)] = result
        csv_path = run_dir / "results.csv"
        if not csv_path.exists():
            raise ExecutorContractError(f"{label}: the run folder {str(run_dir)!r} has no "
                                        f"results.csv, so the run did not finish")
        return cls(label, config, run_dir, results, csv_path.read_text(encoding="utf-8"))

    def digests(self) -> dict[str, str]:
        """Return each job result's SHA-256 digest, by canonical key."""
        return {key: result.digest() for key, result in self.results.items()}


@attrs.frozen
class ContractRun:
    """One run made by a check: its label, wall time in seconds and differences."""

    label: str
    seconds: float
    mismatches: tuple[Mismatch, ...]


@attrs.frozen
class ContractReport:
    """Every run :func:`check_executor` made for one executor."""

    executor: str
    runs: tuple[ContractRun, ...]

    @property
    def mismatches(self) -> list[Mismatch]:
        return [mismatch for run in self.runs for mismatch in run.mismatches]


class ExecutorContractError(ReproducibilityError, AssertionError):
    """An executor changed results, or the contract screen could not run.

    It derives from ``AssertionError`` as well, so pytest reports it as a failed check.

    Attributes:
        mismatches: every difference found, possibly empty for a run that failed.
        report: the :class:`ContractReport`, when :func:`check_executor` raised it.
    """

    def __init__(self, message: str, *, mismatches: Sequence[Mismatch] = (),
                 report: ContractReport | None = None):
        super().__init__(message)
        self.mismatches = list(mismatches)
        self.report = report


# ---------------------------------------------------------------------------
# The contract screen's config
# ---------------------------------------------------------------------------


def contract_config_dict(executor: str = "serial", *, workers: int = 1,
                         assets: Sequence[str] = DEFAULT_ASSETS, plugins: Sequence[str] = (),
                         options: Mapping[str, Any] | None = None, seed: int = 0) -> dict:
    """Return the contract screen's config as a dict shaped like the TOML file."""
    return {
        "seed": seed,
        "strategy": "sma_cross",
        "assets": list(assets),
        "plugins": list(plugins),
        "walkforward": dict(CONTRACT_WALKFORWARD),
        "optimize": {"trials": CONTRACT_TRIALS},
        "execution": {"executor": executor, "workers": workers, "options": dict(options or {})},
    }


def contract_config(executor: str = "serial", **kwargs) -> RunConfig:
    """Return the contract screen's :class:`RunConfig`; arguments as :func:`contract_config_dict`."""
    return RunConfig.from_dict(contract_config_dict(executor, **kwargs))


def _toml_key(key: str) -> str:
    if key and all(c.isascii() and (c.isalnum() or c in "-_") for c in key):
        return key
    return json.dumps(key, ensure_ascii=False)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        # A JSON string without ASCII escaping is a valid TOML basic string.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise ConfigError(f"the contract kit cannot write {value!r} (a {type(value).__name__}) to "
                      f"a TOML config; executor options must be strings, numbers, booleans, "
                      f"lists or tables")


def _toml_document(raw: Mapping[str, Any]) -> str:
    lines = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in raw.items()
             if not isinstance(v, Mapping)]
    for name, table in raw.items():
        if isinstance(table, Mapping):
            lines += ["", f"[{_toml_key(name)}]"]
            lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Running screens
# ---------------------------------------------------------------------------


def run_contract_screen(executor: str, *, out: str | os.PathLike, workers: int = 1,
                        assets: Sequence[str] = DEFAULT_ASSETS, plugins: Sequence[str] = (),
                        options: Mapping[str, Any] | None = None,
                        job_order: Sequence[int] | None = None, autoload: bool = False,
                        seed: int = 0, label: str | None = None) -> RunSnapshot:
    """Run the contract screen in this process with :func:`seedwalk.runner.run_screen`.

    Args:
        executor: the executor name.
        out: a new, empty run folder.
        workers: the worker count passed to the executor.
        assets: bundled sample assets to screen.
        plugins: plugin module names, loaded here and in the workers.
        options: the executor's options (``[execution] options``).
        job_order: job positions in submission order; None submits in key order.
        autoload: also load plugins from the ``seedwalk`` entry-point group.
        seed: the run's base seed.
        label: the snapshot's label; by default the executor and the worker count.
    """
    config = contract_config(executor, workers=workers, assets=assets, plugins=plugins,
                             options=options, seed=seed)
    run_screen(config, out, autoload=autoload, job_order=job_order)
    return RunSnapshot.read(out, label=label or f"{executor} workers={workers}", config=config)


def run_reference(tmp_path: str | os.PathLike, *, assets: Sequence[str] = DEFAULT_ASSETS,
                  plugins: Sequence[str] = (), autoload: bool = False,
                  seed: int = 0) -> RunSnapshot:
    """Run the contract screen on the serial executor, one worker: the reference.

    Make it once per test session and pass it to :func:`check_executor` as
    ``reference``, with the same ``assets``, ``plugins`` and ``seed``.

    Raises:
        ExecutorContractError: a job of the reference failed, so nothing can be compared.
    """
    reference = run_contract_screen("serial", out=Path(tmp_path) / "serial-reference",
                                    workers=1, assets=assets, plugins=plugins,
                                    autoload=autoload, seed=seed, label="serial reference")
    failed = {key: result.error for key, result in reference.results.items()
              if result.status != "ok"}
    if failed:
        key, error = next(iter(failed.items()))
        raise ExecutorContractError(
            f"{len(failed)} jobs of the serial reference run failed, first {key}: {error}. "
            f"The contract screen must succeed before executors can be compared")
    return reference


def _subprocess_env(hash_seed: str, autoload: bool) -> dict[str, str]:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    if autoload:
        env.pop(AUTOLOAD_ENV, None)
    else:
        env[AUTOLOAD_ENV] = "1"
    # The new interpreter must import the same plugin modules as this one, including
    # modules that a test suite put on sys.path. Relative entries are made absolute
    # because the new process runs in another working directory.
    paths = [os.path.abspath(entry or os.curdir) for entry in sys.path
             if isinstance(entry, str)]
    paths = [entry for entry in paths if os.path.isdir(entry)]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def run_cli_screen(executor: str, *, workdir: str | os.PathLike, hash_seed: str,
                   workers: int = 1, assets: Sequence[str] = DEFAULT_ASSETS,
                   plugins: Sequence[str] = (), options: Mapping[str, Any] | None = None,
                   autoload: bool = False, seed: int = 0,
                   timeout: float = 900.0) -> RunSnapshot:
    """Run the contract screen as ``python -m seedwalk screen`` in a new process.

    The config is written to ``workdir/screen.toml`` and the run folder is
    ``workdir/run``. ``timeout`` (seconds) only stops a hung process.

    Raises:
        ExecutorContractError: the command failed or timed out. The message contains
            the end of its standard error.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    raw = contract_config_dict(executor, workers=workers, assets=assets, plugins=plugins,
                               options=options, seed=seed)
    config_path = workdir / "screen.toml"
    config_path.write_text(_toml_document(raw), encoding="utf-8")
    config = RunConfig.from_dict(raw)
    if RunConfig.from_toml(config_path).to_dict() != config.to_dict():
        raise ExecutorContractError(f"the contract kit wrote {str(config_path)!r}, but it "
                                    f"reads back as another config; this is a bug in the kit")

    label = f"{executor} workers={workers} PYTHONHASHSEED={hash_seed}"
    command = [sys.executable, "-m", "seedwalk", "screen", str(config_path), "--out", "run",
               "--no-progress"]
    try:
        completed = subprocess.run(command, cwd=workdir, env=_subprocess_env(hash_seed, autoload),
                                   capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr or ""
        if isinstance(stderr, bytes):  # TimeoutExpired may carry bytes even in text mode
            stderr = stderr.decode(errors="replace")
        raise ExecutorContractError(f"{label}: {' '.join(command)} timed out after {timeout} s. "
                                    f"Its stderr ends with: {stderr[-2000:]}") from exc
    if completed.returncode != 0:
        raise ExecutorContractError(f"{label}: {' '.join(command)} exited with status "
                                    f"{completed.returncode}. Its stderr ends with: "
                                    f"{completed.stderr[-2000:]}")
    return RunSnapshot.read(workdir / "run", label=label, config=config)


# ---------------------------------------------------------------------------
# Comparing runs
# ---------------------------------------------------------------------------


def _json_text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _diff_values(path: str, expected: Any, actual: Any, out: list) -> None:
    # Leaves are compared as JSON text, which is exact: 0.0 and -0.0 differ, and
    # two floats have the same text only when they are the same double.
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(expected.keys() | actual.keys()):
            child = f"{path}.{key}" if path else str(key)
            if key not in actual:
                out.append((child, _json_text(expected[key]), "<missing>"))
            elif key not in expected:
                out.append((child, "<missing>", _json_text(actual[key])))
            else:
                _diff_values(child, expected[key], actual[key], out)
    elif isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            out.append((f"{path} length", len(expected), len(actual)))
        for index, (left, right) in enumerate(zip(expected, actual)):
            _diff_values(f"{path}[{index}]", left, right, out)
    elif _json_text(expected) != _json_text(actual):
        out.append((path, _json_text(expected), _json_text(actual)))


def diff_results(expected: JobResult, actual: JobResult) -> list[tuple[str, Any, Any]]:
    """List the fields where two job results differ, as ``(field, expected, actual)``.

    Fields are dotted paths into the result's JSON (``"out_of_sample.sharpe"``,
    ``"trades[2].exit_price"``), and values are JSON text. The traceback is left out,
    as in :meth:`JobResult.digest`, because it names file paths.
    """
    left = json.loads(attrs.evolve(expected, traceback=None).to_json())
    right = json.loads(attrs.evolve(actual, traceback=None).to_json())
    # Fields in declaration order, so the parameters come before the metrics.
    names = [field.name for field in attrs.fields(JobResult) if field.name != "traceback"]
    names += sorted((left.keys() | right.keys()) - set(names) - {"traceback"})
    out: list[tuple[str, Any, Any]] = []
    for name in names:
        _diff_values("", {name: left[name]} if name in left else {},
                     {name: right[name]} if name in right else {}, out)
    return out


def _csv_table(text: str) -> tuple[list[str], dict[str, list[str]], list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return [], {}, []
    header, body = rows[0], rows[1:]
    column = header.index("asset") if "asset" in header else 0
    return header, {row[column]: row for row in body}, [row[column] for row in body]


def compare_tables(expected_csv: str, actual_csv: str, *, check: str,
                   assets: Iterable[str] | None = None) -> list[Mismatch]:
    """Compare two ``results.csv`` texts cell by cell, as exact text.

    Args:
        expected_csv, actual_csv: the two files' text.
        check: the label put on each mismatch.
        assets: compare only these rows of ``expected_csv``; ``actual_csv`` must
            have exactly these rows. None compares whole files, row order included.
    """
    header, expected_rows, expected_order = _csv_table(expected_csv)
    actual_header, actual_rows, actual_order = _csv_table(actual_csv)
    mismatches = []
    if header != actual_header:
        mismatches.append(Mismatch(check, None, "results.csv header", header, actual_header))
    if assets is not None:
        selected = set(assets)
        expected_rows = {a: row for a, row in expected_rows.items() if a in selected}
        expected_order = [a for a in expected_order if a in selected]
    for asset in sorted(expected_rows.keys() | actual_rows.keys()):
        if asset not in actual_rows:
            mismatches.append(Mismatch(check, None, f"results.csv {asset}", "a row", "no row"))
        elif asset not in expected_rows:
            mismatches.append(Mismatch(check, None, f"results.csv {asset}", "no row", "a row"))
        else:
            expected_row, actual_row = expected_rows[asset], actual_rows[asset]
            for index in range(max(len(expected_row), len(actual_row))):
                left = expected_row[index] if index < len(expected_row) else "<missing>"
                right = actual_row[index] if index < len(actual_row) else "<missing>"
                if left != right:
                    name = header[index] if index < len(header) else f"column {index}"
                    mismatches.append(Mismatch(check, None, f"results.csv {asset} {name}",
                                               left, right))
    if not mismatches and expected_order != actual_order:
        mismatches.append(Mismatch(check, None, "results.csv row order", expected_order,
                                   actual_order))
    if not mismatches and assets is None and expected_csv != actual_csv:
        # Same cells but other bytes, for example line endings or quoting.
        mismatches.append(Mismatch(check, None, "results.csv text", expected_csv, actual_csv))
    return mismatches


def compare_runs(expected: RunSnapshot, actual: RunSnapshot, *,
                 assets: Iterable[str] | None = None) -> list[Mismatch]:
    """Compare every job result and ``results.csv`` of two runs.

    Args:
        expected: the reference run.
        actual: the run of the executor under test; its label names the mismatches.
        assets: compare only these assets' jobs and rows (``actual`` must hold
            exactly those); None compares everything.

    Returns:
        Every difference, job by job and field by field; empty when the runs agree.
    """
    check = actual.label
    selected = set(assets) if assets is not None else None
    expected_results = {key: result for key, result in expected.results.items()
                        if selected is None or result.asset in selected}
    mismatches = []
    for key in sorted(expected_results.keys() | actual.results.keys()):
        if key not in actual.results:
            mismatches.append(Mismatch(check, key, "job", "saved", "missing"))
            continue
        if key not in expected_results:
            mismatches.append(Mismatch(check, key, "job", "not in the reference", "saved"))
            continue
        left, right = expected_results[key], actual.results[key]
        if left.digest() == right.digest():
            continue
        fields = diff_results(left, right)
        if not fields:  # a guard: digest() hashes the same JSON that diff_results compares
            fields = [("digest", left.digest(), right.digest())]
        mismatches += [Mismatch(check, key, name, a, b) for name, a, b in fields]
    mismatches += compare_tables(expected.results_csv, actual.results_csv, check=check,
                                 assets=selected)
    return mismatches


def format_mismatches(mismatches: Sequence[Mismatch], *, per_job: int = FIELDS_SHOWN_PER_JOB,
                      max_lines: int = LINES_SHOWN) -> str:
    """Format mismatches one per line, at most ``per_job`` fields per job and ``max_lines`` lines."""
    totals: dict[tuple[str, str | None], int] = {}
    for mismatch in mismatches:
        group = (mismatch.check, mismatch.job)
        totals[group] = totals.get(group, 0) + 1

    lines = []
    seen: dict[tuple[str, str | None], int] = {}
    written = 0
    for mismatch in mismatches:
        if len(lines) >= max_lines:
            break
        group = (mismatch.check, mismatch.job)
        seen[group] = seen.get(group, 0) + 1
        if mismatch.job is None or seen[group] <= per_job:
            lines.append(f"  {mismatch}")
            written += 1
        elif seen[group] == per_job + 1:
            lines.append(f"  {mismatch.check}: job {mismatch.job}: "
                         f"{totals[group] - per_job} more differing fields")
            written += totals[group] - per_job
    if written < len(mismatches):
        lines.append(f"  ... and {len(mismatches) - written} more differences; the "
                     f"exception's 'mismatches' attribute lists every one")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------


def _timed(label: str, produce, compare) -> ContractRun:
    started = time.perf_counter()
    snapshot = produce()
    seconds = time.perf_counter() - started
    return ContractRun(label, seconds, tuple(compare(snapshot)))


def _check_reference(reference: RunSnapshot, expected: RunConfig) -> None:
    # The reference must be the same screen: same assets and everything that
    # can change a result. Only the execution settings may differ.
    same = (reference.config.results_dict() == expected.results_dict()
            and reference.config.assets == expected.assets)
    if not same:
        raise ExecutorContractError(
            f"the reference run in {str(reference.run_dir)!r} is another screen than the "
            f"one checked (assets {reference.config.assets!r} versus {expected.assets!r}, "
            f"or another seed or plugin list). Make it with run_reference() and the same "
            f"assets, plugins and seed")


def check_worker_counts(executor: str, *, tmp_path: str | os.PathLike, reference: RunSnapshot,
                        workers: Sequence[int] = (1, 2, 4), **screen) -> list[ContractRun]:
    """Run the contract screen once per worker count and compare each with the reference.

    ``screen`` takes the keyword arguments of :func:`run_contract_screen`
    (``assets``, ``plugins``, ``options``, ``autoload``, ``seed``).
    """
    runs = []
    for count in workers:
        label = f"{executor} workers={count}"
        out = Path(tmp_path) / f"{executor}-workers-{count}"
        runs.append(_timed(
            label,
            lambda: run_contract_screen(executor, out=out, workers=count, label=label, **screen),
            lambda snapshot: compare_runs(reference, snapshot)))
    return runs


def check_reversed_order(executor: str, *, tmp_path: str | os.PathLike, reference: RunSnapshot,
                         workers: int = 2, **screen) -> list[ContractRun]:
    """Submit the jobs in reversed key order and compare with the reference."""
    out = Path(tmp_path) / f"{executor}-reversed"
    config = contract_config(executor, workers=workers,
                             **{k: v for k, v in screen.items() if k != "autoload"})
    plan, _, _ = plan_screen(config, out, autoload=screen.get("autoload", False))
    order = list(reversed(range(len(plan.jobs))))
    label = f"{executor} workers={workers} reversed job order"
    return [_timed(
        label,
        lambda: run_contract_screen(executor, out=out, workers=workers, job_order=order,
                                    label=label, **screen),
        lambda snapshot: compare_runs(reference, snapshot))]


def check_alone_in_batch(executor: str, *, tmp_path: str | os.PathLike, reference: RunSnapshot,
                         asset: str, workers: int = 2, **screen) -> list[ContractRun]:
    """Screen ``asset`` alone and compare it with the same asset in the reference batch."""
    screen = {k: v for k, v in screen.items() if k != "assets"}
    label = f"{executor} workers={workers} {asset} alone"
    out = Path(tmp_path) / f"{executor}-alone"
    return [_timed(
        label,
        lambda: run_contract_screen(executor, out=out, workers=workers, assets=(asset,),
                                    label=label, **screen),
        lambda snapshot: compare_runs(reference, snapshot, assets=(asset,)))]


def check_hash_seeds(executor: str, *, tmp_path: str | os.PathLike, reference: RunSnapshot,
                     workers: int = 2, hash_seeds: Sequence[str] = ("0", "1"),
                     timeout: float = 900.0, **screen) -> list[ContractRun]:
    """Run the screen through the command line once per ``PYTHONHASHSEED`` and compare."""
    runs = []
    for hash_seed in hash_seeds:
        workdir = Path(tmp_path) / f"{executor}-hash-seed-{hash_seed}"
        runs.append(_timed(
            f"{executor} workers={workers} PYTHONHASHSEED={hash_seed}",
            lambda: run_cli_screen(executor, workdir=workdir, hash_seed=str(hash_seed),
                                   workers=workers, timeout=timeout, **screen),
            lambda snapshot: compare_runs(reference, snapshot)))
    return runs


def check_executor(executor: str, *, tmp_path: str | os.PathLike, plugins: Sequence[str] = (),
                   workers: Sequence[int] = (1, 2, 4), options: Mapping[str, Any] | None = None,
                   assets: Sequence[str] = DEFAULT_ASSETS, alone: str | None = None,
                   reference: RunSnapshot | None = None, checks: Iterable[str] = CHECKS,
                   hash_seeds: Sequence[str] = ("0", "1"), autoload: bool = False,
                   seed: int = 0, timeout: float = 900.0) -> ContractReport:
    """Check that an executor gives the serial executor's results, bit for bit.

    Args:
        executor: the executor's name, as ``--executor`` takes it.
        tmp_path: an empty folder for the run folders (pytest's ``tmp_path``).
        plugins: plugin module names that provide the executor (and anything else the
            screen needs), loaded in this process, in workers and in new processes.
        workers: worker counts for the ``workers`` check. The largest one is used by
            the other checks.
        options: the executor's options, as ``[execution] options`` gives them.
        assets: bundled sample assets to screen.
        alone: the asset screened alone; default: the first of ``assets``.
        reference: a :func:`run_reference` result for the same assets, plugins and
            seed; None runs the serial reference here.
        checks: which of :data:`CHECKS` to run.
        hash_seeds: ``PYTHONHASHSEED`` values for the ``hash_seed`` check.
        autoload: also load plugins from the ``seedwalk`` entry-point group.
        seed: the screen's base seed.
        timeout: seconds after which a command-line run counts as hung.

    Returns:
        A :class:`ContractReport` with every run's label and wall time.

    Raises:
        ExecutorContractError: any result differs from the reference, with every
            difference listed by check, job key and field; or a run failed.
        ConfigError: an unknown check name, an empty or invalid ``workers``, an
            ``alone`` asset that is not in ``assets``, or an invalid screen setting.
    """
    checks = tuple(checks)
    unknown = [name for name in checks if name not in CHECKS]
    if unknown:
        raise ConfigError(f"unknown contract check(s) {unknown!r}; choose from {CHECKS!r}")
    if not workers or any(isinstance(w, bool) or not isinstance(w, int) or w < 1
                          for w in workers):
        raise ConfigError(f"workers must be a non-empty list of positive integers "
                          f"(got {workers!r})")
    alone = alone if alone is not None else assets[0]
    if alone not in assets:
        raise ConfigError(f"alone={alone!r} is not one of the screened assets {list(assets)!r}")

    tmp_path = Path(tmp_path)
    screen = {"assets": tuple(assets), "plugins": tuple(plugins), "options": options,
              "autoload": autoload, "seed": seed}
    if reference is None:
        reference = run_reference(tmp_path, assets=assets, plugins=plugins, autoload=autoload,
                                  seed=seed)
    _check_reference(reference, contract_config(executor, **{k: v for k, v in screen.items()
                                                             if k != "autoload"}))

    max_workers = max(workers)
    runs: list[ContractRun] = []
    for name in checks:
        if name == "workers":
            runs += check_worker_counts(executor, tmp_path=tmp_path, reference=reference,
                                        workers=workers, **screen)
        elif name == "reversed_order":
            runs += check_reversed_order(executor, tmp_path=tmp_path, reference=reference,
                                         workers=max_workers, **screen)
        elif name == "alone_in_batch":
            runs += check_alone_in_batch(executor, tmp_path=tmp_path, reference=reference,
                                         asset=alone, workers=max_workers, **screen)
        elif name == "hash_seed":
            runs += check_hash_seeds(executor, tmp_path=tmp_path, reference=reference,
                                     workers=max_workers, hash_seeds=hash_seeds, timeout=timeout,
                                     **screen)

    report = ContractReport(executor, tuple(runs))
    mismatches = report.mismatches
    if mismatches:
        failed = sorted({m.check for m in mismatches})
        jobs = len({(m.check, m.job) for m in mismatches if m.job is not None})
        raise ExecutorContractError(
            f"executor {executor!r} changed results in {len(failed)} of {len(runs)} runs "
            f"({', '.join(failed)}): {len(mismatches)} differences in {jobs} job results "
            f"and results.csv, compared with {reference.label!r}:\n"
            f"{format_mismatches(mismatches)}", mismatches=mismatches, report=report)
    return report
