"""Every registered executor gives the serial executor's results, bit for bit.

The contract kit (``seedwalk.testing_executors``) runs here on every registered
executor, with one serial reference per session. The kit is itself checked against
deliberately broken executors, and the Dask executor's own duties are tested:
cleaning up its processes, connecting to a given scheduler, and a clear error
when Dask is missing.
"""

import csv
import importlib.metadata
import importlib.util
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import attrs
import numpy as np
import pandas as pd
import psutil
import pytest

from seedwalk.config import RunConfig
from seedwalk.data import sample_dir
from seedwalk.errors import ConfigError
from seedwalk.plugins_manager import Registry, build_plugin_manager
from seedwalk.runner import run_screen
from seedwalk.testing_executors import (
    CHECKS,
    ExecutorContractError,
    Mismatch,
    RunSnapshot,
    _toml_document,
    check_executor,
    compare_runs,
    compare_tables,
    contract_config,
    format_mismatches,
    run_reference,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

pytestmark = pytest.mark.slow

#: Loaded everywhere until the Dask executor is one of the built-in modules. Listing
#: a built-in module again is harmless.
PLUGINS = ("seedwalk.plugins.dask_executor",)

EXECUTORS = sorted(Registry.from_manager(build_plugin_manager(PLUGINS, autoload=False)).executors)

LOOPBACK = "127.0.0.1"

requires_dask = pytest.mark.skipif(importlib.util.find_spec("distributed") is None,
                                   reason='needs pip install "seedwalk[dask]"')


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def descendants() -> dict[int, psutil.Process]:
    return {process.pid: process for process in psutil.Process().children(recursive=True)}


def is_resource_tracker(process: psutil.Process) -> bool:
    # Python's multiprocessing starts one resource tracker per parent process the
    # first time it spawns a process. Every spawn-based pool shares it, and it ends
    # with the parent, so it is not a leftover worker.
    try:
        return "multiprocessing.resource_tracker" in " ".join(process.cmdline())
    except psutil.Error:
        return False


def assert_no_new_processes(before: dict[int, psutil.Process]) -> None:
    new = [p for pid, p in descendants().items() if pid not in before and not is_resource_tracker(p)]
    # A bounded wait for processes that are exiting. Anything alive after it is a leftover.
    _, alive = psutil.wait_procs(new, timeout=10)
    assert alive == [], f"processes left behind: {[(p.pid, p.cmdline()) for p in alive]}"


def local_cluster(distributed, n_workers=2):
    return distributed.LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=True, host=LOOPBACK,
        dashboard_address=None, scheduler_kwargs={"dashboard_address": f"{LOOPBACK}:0"})


def free_loopback_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def serial_reference(tmp_path_factory):
    """The contract screen on the serial executor, shared by every executor's checks."""
    return run_reference(tmp_path_factory.mktemp("reference"), plugins=PLUGINS)


# ---------------------------------------------------------------------------
# The contract, on every registered executor
# ---------------------------------------------------------------------------


def test_builtin_executors_are_registered():
    assert {"serial", "joblib", "threads", "dask"} <= set(EXECUTORS)


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("executor", EXECUTORS)
def test_executor_keeps_results(executor, check, serial_reference, tmp_path):
    if executor == "dask":
        pytest.importorskip("distributed")
    before = descendants()
    report = check_executor(executor, checks=(check,), plugins=PLUGINS, tmp_path=tmp_path,
                            reference=serial_reference)
    expected_runs = {"workers": 3, "reversed_order": 1, "alone_in_batch": 1, "hash_seed": 2}
    assert len(report.runs) == expected_runs[check]
    assert report.mismatches == []
    if executor == "dask":
        # joblib's loky workers stay alive for reuse on purpose; Dask's must not.
        assert_no_new_processes(before)


def test_reference_covers_every_asset_and_fold(serial_reference):
    assert len(serial_reference.results) == 31
    assets = {result.asset for result in serial_reference.results.values()}
    assert assets == {"BTC-USDT", "GALA-USDT", "WIF-USDT"}
    assert all(result.status == "ok" for result in serial_reference.results.values())
    assert all(len(result.trial_values) == 8 for result in serial_reference.results.values())
    summary = pd.read_csv(io.StringIO(serial_reference.results_csv))
    assert list(summary["asset"]) == ["BTC-USDT", "GALA-USDT", "WIF-USDT"]
    assert list(summary["n_folds"]) == [11, 12, 8]


# ---------------------------------------------------------------------------
# The kit finds broken executors
# ---------------------------------------------------------------------------

BROKEN_MODULE = "contract_kit_broken_executors"

BROKEN_EXECUTORS = textwrap.dedent('''
    """Executors with the bugs the contract kit exists to find."""
    import attrs

    from seedwalk.executor import Executor
    from seedwalk.hookspecs import hookimpl
    from seedwalk.seeding import canonical_key


    class WorkerSlotSeeded(Executor):
        """Adds the job's worker slot to its seed, as a naive pool might."""

        name = "worker_slot_seeded"

        def map_unordered(self, function, items):
            for position, job in enumerate(items):
                slot = position % self.workers
                yield function(attrs.evolve(job, base_seed=job.base_seed + slot))


    class OrderSeeded(Executor):
        """Seeds by how far a job's submission position is from its key-order position."""

        name = "order_seeded"

        def map_unordered(self, function, items):
            items = list(items)
            ranks = {canonical_key(job.key): rank for rank, job in
                     enumerate(sorted(items, key=lambda job: canonical_key(job.key)))}
            for position, job in enumerate(items):
                shift = abs(position - ranks[canonical_key(job.key)])
                yield function(attrs.evolve(job, base_seed=job.base_seed + shift))


    class BatchSeeded(Executor):
        """Seeds by the number of jobs in the batch."""

        name = "batch_seeded"

        def map_unordered(self, function, items):
            items = list(items)
            for job in items:
                yield function(attrs.evolve(job, base_seed=job.base_seed + len(items)))


    class HashSeeded(Executor):
        """Seeds with Python's salted hash() of the asset name."""

        name = "hash_seeded"

        def map_unordered(self, function, items):
            for job in items:
                yield function(attrs.evolve(job, base_seed=job.base_seed
                                            + hash(job.asset) % 2))


    @hookimpl
    def seedwalk_add_executors():
        return [WorkerSlotSeeded, OrderSeeded, BatchSeeded, HashSeeded]
''')

BROKEN_PLUGINS = PLUGINS + (BROKEN_MODULE,)


@pytest.fixture(scope="session")
def broken_reference(tmp_path_factory):
    """A serial reference whose plugin list also loads the broken executors."""
    folder = tmp_path_factory.mktemp("broken-plugin")
    (folder / f"{BROKEN_MODULE}.py").write_text(BROKEN_EXECUTORS)
    sys.path.insert(0, str(folder))
    try:
        yield run_reference(tmp_path_factory.mktemp("broken-reference"), plugins=BROKEN_PLUGINS)
    finally:
        sys.path.remove(str(folder))


def test_kit_finds_worker_dependent_results(broken_reference, tmp_path):
    with pytest.raises(ExecutorContractError) as caught:
        check_executor("worker_slot_seeded", checks=("workers",), plugins=BROKEN_PLUGINS,
                       tmp_path=tmp_path, reference=broken_reference)
    error = caught.value
    runs = {run.label: run for run in error.report.runs}
    assert runs["worker_slot_seeded workers=1"].mismatches == ()
    assert runs["worker_slot_seeded workers=2"].mismatches != ()
    assert runs["worker_slot_seeded workers=4"].mismatches != ()
    # The first job is in slot 0 for every worker count, so it keeps its results.
    first = min(broken_reference.results)
    assert all(m.job != first for m in error.mismatches)
    second = sorted(broken_reference.results)[1]
    fields = {m.field for m in error.mismatches if m.job == second}
    assert any(field.startswith("trial_values[") for field in fields)
    assert any(m.field.startswith("results.csv ") for m in error.mismatches)
    assert second in str(error)
    assert "worker_slot_seeded workers=2" in str(error)


def test_kit_finds_order_dependent_results(broken_reference, tmp_path):
    # In key order the broken executor changes nothing, so only reversed order fails.
    check_executor("order_seeded", checks=("workers",), workers=(2,), plugins=BROKEN_PLUGINS,
                   tmp_path=tmp_path / "key-order", reference=broken_reference)
    with pytest.raises(ExecutorContractError) as caught:
        check_executor("order_seeded", checks=("reversed_order",), workers=(2,),
                       plugins=BROKEN_PLUGINS, tmp_path=tmp_path / "reversed",
                       reference=broken_reference)
    checks = {m.check for m in caught.value.mismatches}
    assert checks == {"order_seeded workers=2 reversed job order"}
    # 31 jobs reversed: only the middle job keeps its position.
    changed_jobs = {m.job for m in caught.value.mismatches if m.job is not None}
    assert len(changed_jobs) == 30


def test_kit_compares_alone_asset_only(broken_reference, tmp_path):
    with pytest.raises(ExecutorContractError) as caught:
        check_executor("batch_seeded", checks=("alone_in_batch",), alone="GALA-USDT",
                       plugins=BROKEN_PLUGINS, tmp_path=tmp_path, reference=broken_reference)
    mismatches = caught.value.mismatches
    jobs = {m.job for m in mismatches if m.job is not None}
    assert len(jobs) == 12
    assert all('"GALA-USDT"' in job for job in jobs)
    table = {m.field.split()[1] for m in mismatches if m.field.startswith("results.csv ")}
    assert table == {"GALA-USDT"}


def test_kit_finds_hash_seed_dependent_results(broken_reference, tmp_path):
    with pytest.raises(ExecutorContractError) as caught:
        check_executor("hash_seeded", checks=("hash_seed",), workers=(1,),
                       plugins=BROKEN_PLUGINS, tmp_path=tmp_path, reference=broken_reference)
    mismatches = caught.value.mismatches
    labels = {"hash_seeded workers=1 PYTHONHASHSEED=0", "hash_seeded workers=1 PYTHONHASHSEED=1"}
    assert {m.check for m in mismatches} <= labels
    # The shift depends on the asset only, so an asset's jobs change all together.
    for label in {m.check for m in mismatches}:
        changed = {m.job for m in mismatches if m.check == label and m.job is not None}
        for asset in {json.loads(job)[1] for job in changed}:
            jobs = {k for k, r in broken_reference.results.items() if r.asset == asset}
            assert jobs <= changed, (label, asset)


def test_kit_passes_serial_without_reference(tmp_path):
    report = check_executor("serial", checks=("alone_in_batch",), assets=("WIF-USDT",),
                            tmp_path=tmp_path)
    assert [run.label for run in report.runs] == ["serial workers=4 WIF-USDT alone"]
    assert report.mismatches == []


def test_kit_reports_failed_command(serial_reference, tmp_path):
    with pytest.raises(ExecutorContractError, match="exited with status 2") as caught:
        check_executor("no_such_executor", checks=("hash_seed",), hash_seeds=("0",),
                       plugins=PLUGINS, tmp_path=tmp_path, reference=serial_reference)
    assert "unknown executor 'no_such_executor'" in str(caught.value)


def test_kit_rejects_reference_of_other_screen(serial_reference, tmp_path):
    with pytest.raises(ExecutorContractError, match="another screen"):
        check_executor("serial", assets=("BTC-USDT", "GALA-USDT"), plugins=PLUGINS,
                       tmp_path=tmp_path, reference=serial_reference)
    with pytest.raises(ExecutorContractError, match="another screen"):
        check_executor("serial", seed=1, plugins=PLUGINS, tmp_path=tmp_path,
                       reference=serial_reference)


@pytest.mark.parametrize("kwargs, message", [
    ({"checks": ("workers", "speed")}, "unknown contract check"),
    ({"workers": ()}, "non-empty list of positive integers"),
    ({"workers": (0, 2)}, "non-empty list of positive integers"),
    ({"alone": "DOGE-USDT"}, "not one of the screened assets"),
])
def test_kit_rejects_bad_arguments(kwargs, message, tmp_path):
    with pytest.raises(ConfigError, match=message):
        check_executor("serial", tmp_path=tmp_path, **kwargs)


# ---------------------------------------------------------------------------
# Comparison semantics, on hand-made differences
# ---------------------------------------------------------------------------


def edited_snapshot(reference: RunSnapshot, results: dict, csv_text: str) -> RunSnapshot:
    return RunSnapshot("edited", reference.config, reference.run_dir, results, csv_text)


def test_compare_runs_finds_one_ulp_and_signed_zero(serial_reference):
    results = dict(serial_reference.results)
    first, second = sorted(results)[:2]

    sharpe = results[first].out_of_sample["sharpe"]
    bumped = float(np.nextafter(sharpe, np.inf))
    results[first] = attrs.evolve(results[first],
                                  out_of_sample={**results[first].out_of_sample, "sharpe": bumped})

    returns = list(results[second].oos_returns)
    zero_at = returns.index(0.0)
    returns[zero_at] = -0.0
    results[second] = attrs.evolve(results[second], oos_returns=returns)

    mismatches = compare_runs(serial_reference,
                              edited_snapshot(serial_reference, results,
                                              serial_reference.results_csv))
    assert mismatches == [
        Mismatch("edited", first, "out_of_sample.sharpe", json.dumps(sharpe), json.dumps(bumped)),
        Mismatch("edited", second, f"oos_returns[{zero_at}]", "0.0", "-0.0"),
    ]


def test_compare_runs_finds_missing_and_extra_jobs(serial_reference):
    results = dict(serial_reference.results)
    missing = sorted(results)[3]
    del results[missing]
    extra = serial_reference.results[sorted(serial_reference.results)[0]]
    extra = attrs.evolve(extra, key=("screen", "XRP-USDT", "fold", 0), asset="XRP-USDT")
    results['["screen","XRP-USDT","fold",0]'] = extra

    mismatches = compare_runs(serial_reference, edited_snapshot(
        serial_reference, results, serial_reference.results_csv))
    assert mismatches == [
        Mismatch("edited", missing, "job", "saved", "missing"),
        Mismatch("edited", '["screen","XRP-USDT","fold",0]', "job", "not in the reference",
                 "saved"),
    ]
    assert str(mismatches[0]) == f"edited: job {missing}: job: expected 'saved', got 'missing'"


def test_compare_runs_finds_changed_trade_and_list_length(serial_reference):
    results = dict(serial_reference.results)
    key = next(k for k in sorted(results) if results[k].trades)
    trades = [dict(trade) for trade in results[key].trades]
    trades[0]["exit_index"] += 1
    results[key] = attrs.evolve(results[key], trades=trades,
                                trial_values=results[key].trial_values[:-1])
    mismatches = compare_runs(serial_reference, edited_snapshot(
        serial_reference, results, serial_reference.results_csv))
    exit_index = serial_reference.results[key].trades[0]["exit_index"]
    assert mismatches == [
        Mismatch("edited", key, "trades[0].exit_index", str(exit_index), str(exit_index + 1)),
        Mismatch("edited", key, "trial_values length", 8, 7),
    ]


def test_compare_tables_reports_cell_text():
    expected = "asset,oos_sharpe,n_trades\nBTC-USDT,1.5,3\nGALA-USDT,0.25,7\n"
    assert compare_tables(expected, expected, check="c") == []

    changed = "asset,oos_sharpe,n_trades\nBTC-USDT,1.50,3\nGALA-USDT,0.25,8\n"
    assert compare_tables(expected, changed, check="c") == [
        Mismatch("c", None, "results.csv BTC-USDT oos_sharpe", "1.5", "1.50"),
        Mismatch("c", None, "results.csv GALA-USDT n_trades", "7", "8"),
    ]

    swapped = "asset,oos_sharpe,n_trades\nGALA-USDT,0.25,7\nBTC-USDT,1.5,3\n"
    assert compare_tables(expected, swapped, check="c") == [
        Mismatch("c", None, "results.csv row order", ["BTC-USDT", "GALA-USDT"],
                 ["GALA-USDT", "BTC-USDT"])]

    crlf = expected.replace("\n", "\r\n")
    assert [m.field for m in compare_tables(expected, crlf, check="c")] == ["results.csv text"]

    alone = "asset,oos_sharpe,n_trades\nGALA-USDT,0.25,7\n"
    assert compare_tables(expected, alone, check="c", assets=["GALA-USDT"]) == []
    assert compare_tables(expected, alone, check="c", assets=["BTC-USDT"]) == [
        Mismatch("c", None, "results.csv BTC-USDT", "a row", "no row"),
        Mismatch("c", None, "results.csv GALA-USDT", "no row", "a row"),
    ]


def test_compare_runs_reads_results_csv_cells(serial_reference):
    rows = list(csv.DictReader(io.StringIO(serial_reference.results_csv)))
    original = rows[1]["oos_sharpe"]
    rows[1]["oos_sharpe"] = repr(float(np.nextafter(float(original), np.inf)))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    mismatches = compare_runs(serial_reference, edited_snapshot(
        serial_reference, dict(serial_reference.results), buffer.getvalue()))
    assert mismatches == [Mismatch("edited", None, f"results.csv {rows[1]['asset']} oos_sharpe",
                                   original, rows[1]["oos_sharpe"])]


def test_format_mismatches_limits_lines():
    mismatches = [Mismatch("run a", "job 1", f"trial_values[{i}]", "1.0", "2.0") for i in range(5)]
    mismatches += [Mismatch("run a", None, "results.csv BTC-USDT n_trades", "3", "4"),
                   Mismatch("run b", "job 2", "params.fast", "5", "9")]
    assert format_mismatches(mismatches, per_job=2).splitlines() == [
        "  run a: job job 1: trial_values[0]: expected '1.0', got '2.0'",
        "  run a: job job 1: trial_values[1]: expected '1.0', got '2.0'",
        "  run a: job job 1: 3 more differing fields",
        "  run a: run: results.csv BTC-USDT n_trades: expected '3', got '4'",
        "  run b: job job 2: params.fast: expected '5', got '9'",
    ]
    assert format_mismatches(mismatches, per_job=2, max_lines=2).splitlines() == [
        "  run a: job job 1: trial_values[0]: expected '1.0', got '2.0'",
        "  run a: job job 1: trial_values[1]: expected '1.0', got '2.0'",
        "  ... and 5 more differences; the exception's 'mismatches' attribute lists every one",
    ]


def test_toml_document_round_trips():
    raw = {
        "seed": 3, "assets": ["BTC-USDT"], "plugins": [],
        "walkforward": {"in_sample": 300, "out_of_sample": 100},
        "execution": {"executor": "dask", "workers": 2, "options": {
            "scheduler": "tcp://127.0.0.1:8786", "connect_timeout": 2.5,
            "exclusive_globals": True, "label": 'quote " and é', "weird key": [1, 2]}},
    }
    assert tomllib.loads(_toml_document(raw)) == raw


def test_toml_document_rejects_none():
    with pytest.raises(ConfigError, match="cannot write None"):
        _toml_document({"execution": {"options": {"scheduler": None}}})


# ---------------------------------------------------------------------------
# The Dask executor
# ---------------------------------------------------------------------------


def test_dask_description_explains_workers():
    from seedwalk.plugins.dask_executor import DaskExecutor

    assert "workers = worker processes" in DaskExecutor.description
    assert "scheduler" in DaskExecutor.description


@requires_dask
def test_dask_exclusive_globals_yields_every_result():
    from seedwalk.plugins.dask_executor import DaskExecutor

    before = descendants()
    with DaskExecutor(workers=2, options={"exclusive_globals": True}) as executor:
        assert sorted(executor.map_unordered(abs, [-3, 1, -2, 5])) == [1, 2, 3, 5]
        assert executor.scheduler_address.startswith(f"tcp://{LOOPBACK}:")
    assert executor.scheduler_address is None
    assert_no_new_processes(before)


@requires_dask
def test_dask_no_items_starts_no_cluster():
    from seedwalk.plugins.dask_executor import DaskExecutor

    before = descendants()
    with DaskExecutor(workers=2) as executor:
        assert list(executor.map_unordered(abs, [])) == []
        assert executor.scheduler_address is None
    assert set(descendants()) <= set(before)


@requires_dask
def test_dask_cleans_up_after_keyboard_interrupt():
    from seedwalk.plugins.dask_executor import DaskExecutor

    before = descendants()
    with pytest.raises(KeyboardInterrupt):
        with DaskExecutor(workers=2) as executor:
            for _ in executor.map_unordered(abs, range(20)):
                raise KeyboardInterrupt
    assert executor.scheduler_address is None
    assert_no_new_processes(before)


@requires_dask
def test_dask_killed_worker_raises_and_cluster_recovers():
    import dask
    import distributed
    from seedwalk.plugins.dask_executor import DaskExecutor

    before = descendants()
    # The scheduler of the local cluster runs in this process and reads this setting
    # when it starts: the first death of a task's worker raises.
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with DaskExecutor(workers=1) as executor:
            with pytest.raises(distributed.KilledWorker):
                list(executor.map_unordered(os._exit, [3]))
            # The nanny restarts the worker, so the runner can retry on the same executor.
            assert sorted(executor.map_unordered(abs, [-1, 2])) == [1, 2]
    assert_no_new_processes(before)


CRASH_PLUGIN = textwrap.dedent('''
    """A strategy that kills its worker process on assets whose volume is 777."""
    import os

    from seedwalk.hookspecs import hookimpl
    from seedwalk.strategies.sma_cross import SmaCross


    class CrashOnMarkedAsset(SmaCross):
        name = "crash_on_777"

        def signals(self, open, high, low, close, volume, params):
            if volume[0] == 777.0:
                os._exit(3)
            return super().signals(open, high, low, close, volume, params)


    @hookimpl
    def seedwalk_add_strategies():
        return [CrashOnMarkedAsset]
''')


@requires_dask
def test_dask_dying_job_reported_by_runner(tmp_path, monkeypatch):
    import dask
    (tmp_path / "dask_crash_plugin.py").write_text(CRASH_PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    frame = pd.read_csv(sample_dir() / "GALA-USDT_4h.csv.gz")
    frame.to_csv(tmp_path / "GALA-USDT_4h.csv", index=False)
    frame.assign(volume=777.0).to_csv(tmp_path / "CRASH-USDT_4h.csv", index=False)
    config = RunConfig.from_dict({
        "strategy": "crash_on_777", "plugins": [*PLUGINS, "dask_crash_plugin"],
        "data": {"source": "files", "paths": ["GALA-USDT_4h.csv", "CRASH-USDT_4h.csv"]},
        "walkforward": {"in_sample": 600, "out_of_sample": 300}, "optimize": {"trials": 4},
        "execution": {"executor": "dask", "workers": 2},
    }, base_dir=tmp_path)

    before = descendants()
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        result = run_screen(config, tmp_path / "run", autoload=False)
    assert_no_new_processes(before)

    summary = result.summary.set_index("asset")
    assert summary.loc["CRASH-USDT", "status"] == "ERROR"
    assert "died" in summary.loc["CRASH-USDT", "error"]
    assert "KilledWorker" in summary.loc["CRASH-USDT", "error"]
    assert summary.loc["GALA-USDT", "status"] in ("PASS", "FAIL")
    saved = sorted(p.name for p in (tmp_path / "run" / "jobs").glob("*.json"))
    assert len(saved) == summary.loc["GALA-USDT", "n_folds"]
    assert all(name.startswith("screen_GALA-USDT_") for name in saved)


@requires_dask
def test_dask_runs_on_given_scheduler(serial_reference, tmp_path):
    import distributed
    with local_cluster(distributed, n_workers=2) as cluster:
        report = check_executor(
            "dask", checks=("workers", "hash_seed"), workers=(1,), hash_seeds=("0",),
            options={"scheduler": cluster.scheduler_address}, plugins=PLUGINS,
            tmp_path=tmp_path, reference=serial_reference)
        assert report.mismatches == []
        # The jobs ran on this cluster, and closing the executors left it running.
        assert "execute_job" in cluster.scheduler.task_prefixes
        assert len(cluster.scheduler.workers) == 2
        config = tomllib.loads((tmp_path / "dask-hash-seed-0" / "screen.toml").read_text())
        assert config["execution"]["options"] == {"scheduler": cluster.scheduler_address}


def test_version_differences_lists_each_package():
    from seedwalk.plugins.dask_executor import version_differences

    local = {"python": "3.11.7", "numpy": "2.2.1", "seedwalk": "0.1.0"}
    workers = {
        "tcp://127.0.0.1:2": {"python": "3.11.7", "numpy": "2.1.0", "seedwalk": "0.1.0"},
        "tcp://127.0.0.1:1": {"python": "3.11.7", "numpy": "2.2.1"},
        "tcp://127.0.0.1:3": dict(local),
    }
    assert version_differences(local, workers) == [
        "tcp://127.0.0.1:1: seedwalk not reported (here 0.1.0)",
        "tcp://127.0.0.1:2: numpy 2.1.0 (here 2.2.1)",
    ]
    assert version_differences(local, {}) == []


class FakeMetadata:
    """importlib.metadata with another numpy version, for this process only."""

    PackageNotFoundError = importlib.metadata.PackageNotFoundError

    @staticmethod
    def version(name):
        return "0.0.1" if name == "numpy" else importlib.metadata.version(name)


@requires_dask
def test_dask_rejects_workers_with_other_versions(monkeypatch):
    import distributed
    from seedwalk.plugins import dask_executor

    with local_cluster(distributed, n_workers=1) as cluster:
        # Workers import the module themselves, so only this process gets the fake.
        monkeypatch.setattr(dask_executor, "metadata", FakeMetadata)
        address = cluster.scheduler_address
        executor = dask_executor.DaskExecutor(options={"scheduler": address})
        with pytest.raises(ConfigError, match="other package versions") as caught:
            with executor:
                list(executor.map_unordered(abs, [1]))
        assert f"numpy {np.__version__} (here 0.0.1)" in str(caught.value)
        assert "check_versions = false" in str(caught.value)

        unchecked = dask_executor.DaskExecutor(
            options={"scheduler": address, "check_versions": False})
        with unchecked:
            assert list(unchecked.map_unordered(abs, [-4])) == [4]


@requires_dask
def test_dask_unreachable_scheduler_is_config_error():
    from seedwalk.plugins.dask_executor import DaskExecutor

    address = f"tcp://{LOOPBACK}:{free_loopback_port()}"
    executor = DaskExecutor(workers=1, options={"scheduler": address, "connect_timeout": 1})
    with pytest.raises(ConfigError, match="could not connect to the Dask scheduler") as caught:
        with executor:
            list(executor.map_unordered(abs, [1]))
    assert repr(address) in str(caught.value)


@pytest.mark.parametrize("workers, options, message", [
    (1, {"schedular": "tcp://127.0.0.1:8786"}, r"no option\(s\) \['schedular'\]"),
    (1, {"scheduler": ""}, "must be an address"),
    (1, {"scheduler": 8786}, "must be an address"),
    (1, {"connect_timeout": 0}, "positive number of seconds"),
    (1, {"connect_timeout": True}, "positive number of seconds"),
    (1, {"exclusive_globals": "yes"}, "true or false"),
    (1, {"check_versions": 1}, "true or false"),
    (0, {}, "workers >= 1"),
])
def test_dask_rejects_bad_settings(workers, options, message):
    from seedwalk.plugins.dask_executor import DaskExecutor

    with pytest.raises(ConfigError, match=message):
        DaskExecutor(workers=workers, options=options)


def test_dask_missing_gives_install_command(monkeypatch, tmp_path):
    from seedwalk.plugins.dask_executor import DaskExecutor

    # A None entry in sys.modules makes "import distributed" raise ImportError.
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ConfigError, match=r'pip install "seedwalk\[dask\]"'):
        DaskExecutor(workers=1)
    config = contract_config("dask", workers=1, assets=("WIF-USDT",), plugins=PLUGINS)
    with pytest.raises(ConfigError, match=r'pip install "seedwalk\[dask\]"'):
        run_screen(config, tmp_path / "run", autoload=False)


def test_dask_module_imports_without_dask():
    code = textwrap.dedent('''
        import json, sys
        sys.modules["dask"] = None
        sys.modules["distributed"] = None
        from seedwalk.errors import ConfigError
        from seedwalk.plugins_manager import Registry, build_plugin_manager
        registry = Registry.from_manager(
            build_plugin_manager(["seedwalk.plugins.dask_executor"], autoload=False))
        executor_cls = registry.executor("dask")
        try:
            executor_cls(workers=1)
            message = None
        except ConfigError as exc:
            message = str(exc)
        print(json.dumps({"message": message, "blocked": sys.modules["distributed"] is None}))
    ''')
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               env=dict(os.environ, SEEDWALK_DISABLE_PLUGIN_AUTOLOAD="1"),
                               timeout=300)
    assert completed.returncode == 0, completed.stderr
    output = json.loads(completed.stdout.strip().splitlines()[-1])
    assert output["blocked"] is True
    assert 'pip install "seedwalk[dask]"' in output["message"]


@requires_dask
def test_dask_interrupted_command_leaves_no_processes(tmp_path):
    # Many trials, so the run is still going when the first job is saved.
    (tmp_path / "screen.toml").write_text(textwrap.dedent(f'''
        assets = ["BTC-USDT", "GALA-USDT", "WIF-USDT"]
        plugins = {list(PLUGINS)!r}
        [walkforward]
        in_sample = 300
        out_of_sample = 100
        [optimize]
        trials = 400
        [execution]
        executor = "dask"
        workers = 2
    ''').replace("'", '"'))
    env = dict(os.environ, PYTHONHASHSEED="0", SEEDWALK_DISABLE_PLUGIN_AUTOLOAD="1")
    # A new session, so that the signal can go to the whole process group, as Ctrl-C
    # in a terminal does.
    process = subprocess.Popen(
        [sys.executable, "-m", "seedwalk", "screen", "screen.toml", "--out", "run",
         "--no-progress"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True)
    parent = psutil.Process(process.pid)
    seen: dict[int, psutil.Process] = {}
    jobs_dir = tmp_path / "run" / "jobs"
    try:
        deadline = time.monotonic() + 600
        while process.poll() is None and time.monotonic() < deadline:
            try:
                seen.update((child.pid, child) for child in parent.children(recursive=True))
            except psutil.NoSuchProcess:
                break
            if jobs_dir.exists() and any(jobs_dir.glob("*.json")):
                break
            time.sleep(0.05)
        assert process.poll() is None, "the run ended before it could be interrupted"
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    assert process.returncode == 130, stderr
    assert "interrupted; finished jobs are saved" in stderr
    workers = [p for p in seen.values() if not is_resource_tracker(p)]
    assert len(workers) >= 2  # the local cluster's worker processes were seen
    _, alive = psutil.wait_procs(list(seen.values()), timeout=30)
    assert alive == [], f"processes left behind: {[(p.pid, p.cmdline()) for p in alive]}"
