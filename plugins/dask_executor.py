"""The Dask executor: jobs on a local cluster of worker processes or on a Dask scheduler.

Dask is an optional dependency. This module imports without it, so the plugin
manager can always register the executor. Only creating the executor imports
``distributed``, and without it that raises a :class:`~seedwalk.errors.ConfigError`
with the install command.

Jobs carry their own bars, so workers need seedwalk and the run's plugin modules
installed, but no shared file system and no access to the data files.
"""

from __future__ import annotations

import functools
import importlib
import logging
import platform
from collections.abc import Mapping
from importlib import metadata
from typing import Any

from seedwalk.errors import ConfigError
from seedwalk.executor import Executor
from seedwalk.hookspecs import hookimpl
from seedwalk.plugins.rng import GLOBAL_STATE_LOCK

logger = logging.getLogger(__name__)

INSTALL_HINT = 'pip install "seedwalk[dask]"'

#: The address the local cluster's scheduler, nannies and workers listen on. Only
#: loopback, so a local run opens no port to other machines.
LOOPBACK_HOST = "127.0.0.1"

OPTIONS = ("scheduler", "connect_timeout", "exclusive_globals", "check_versions")


def import_distributed():
    """Import and return ``distributed``, or raise a ConfigError with the install command."""
    try:
        return importlib.import_module("distributed")
    except ImportError as exc:
        raise ConfigError(
            f"the executor 'dask' needs the packages dask and distributed, which could not "
            f"be imported ({exc}). Install them with: {INSTALL_HINT}") from exc


def package_versions() -> dict[str, str]:
    """Return the versions of Python, seedwalk and the packages that can change numbers.

    These are the versions a run's manifest records. The executor also calls this
    on every worker of a given scheduler and compares.
    """
    from seedwalk.runner import RECORDED_PACKAGES

    versions = {"python": platform.python_version()}
    for name in ("seedwalk", *RECORDED_PACKAGES):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def version_differences(local: Mapping[str, str],
                        workers: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Describe each package whose version on a worker differs from ``local``.

    Args:
        local: this process's :func:`package_versions`.
        workers: each worker's :func:`package_versions`, by worker address.

    Returns:
        One line per worker and package, such as
        ``"tcp://10.0.0.5:4000: numpy 2.1.0 (here 2.2.1)"``; empty when all agree.
    """
    lines = []
    for address in sorted(workers):
        remote = workers[address]
        for name in sorted(local.keys() | remote.keys()):
            theirs = remote.get(name, "not reported")
            ours = local.get(name, "not reported")
            if theirs != ours:
                lines.append(f"{address}: {name} {theirs} (here {ours})")
    return lines


def _run_holding_global_lock(function, item):
    # Runs on the worker. The lock is per worker process, so jobs in the threads of
    # one worker take turns with Python's and NumPy's process-wide generators.
    with GLOBAL_STATE_LOCK:
        return function(item)


class DaskExecutor(Executor):
    """Run jobs with Dask distributed and yield results as they complete.

    By default :meth:`map_unordered` starts a ``distributed.LocalCluster`` of
    ``workers`` worker processes with one thread each, listening on 127.0.0.1
    only, with the dashboard off. With the option ``scheduler`` it connects to an
    existing scheduler instead, and the cluster decides how many workers run; then
    ``workers`` is ignored. :meth:`close` closes the client and, for a local
    cluster, the cluster and its processes; an external cluster keeps running.

    Options (``[execution] options``):
        scheduler: address of a running scheduler, such as ``"tcp://127.0.0.1:8786"``.
        connect_timeout: seconds to wait for that scheduler; default: Dask's
            ``distributed.comm.timeouts.connect`` (30 s in Dask 2026.8).
        exclusive_globals: run one job at a time per worker process, for clusters
            whose workers have several threads and strategies that draw from
            Python's ``random`` or NumPy's legacy global generator. Default false.
        check_versions: on connecting to a scheduler, compare Python's, seedwalk's
            and the numeric packages' versions on every connected worker with this
            process's, and raise a ConfigError on any difference. Default true.

    A task whose worker dies is run again by Dask on another worker, up to the
    scheduler's ``distributed.scheduler.allowed-failures`` times (3 by default);
    after that, ``distributed.KilledWorker`` is raised from :meth:`map_unordered`
    and the runner retries or reports the job.
    """

    name = "dask"
    description = ("Dask distributed: a local cluster on 127.0.0.1 with workers = worker "
                   "processes, or option scheduler = an existing cluster's address, which "
                   "decides the workers itself")

    def __init__(self, workers: int = 1, options: Mapping[str, Any] | None = None):
        super().__init__(workers, options)
        self._check_options()
        self._distributed = import_distributed()
        self._cluster = None
        self._client = None
        self._saved_log_level: int | None = None

    def _check_options(self) -> None:
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) \
                or self.workers < 1:
            raise ConfigError(f"executor 'dask' needs workers >= 1 (got {self.workers!r})")
        unknown = sorted(set(self.options) - set(OPTIONS))
        if unknown:
            raise ConfigError(f"executor 'dask' has no option(s) {unknown!r}; allowed: "
                              f"{', '.join(OPTIONS)}")
        scheduler = self.options.get("scheduler")
        if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
            raise ConfigError(f"option 'scheduler' of executor 'dask' must be an address such "
                              f"as 'tcp://127.0.0.1:8786' (got {scheduler!r})")
        timeout = self.options.get("connect_timeout")
        if timeout is not None and (isinstance(timeout, bool)
                                    or not isinstance(timeout, (int, float)) or timeout <= 0):
            raise ConfigError(f"option 'connect_timeout' of executor 'dask' must be a positive "
                              f"number of seconds (got {timeout!r})")
        for flag in ("exclusive_globals", "check_versions"):
            value = self.options.get(flag, False)
            if not isinstance(value, bool):
                raise ConfigError(f"option {flag!r} of executor 'dask' must be true or false "
                                  f"(got {value!r})")

    @property
    def scheduler_address(self) -> str | None:
        """The connected scheduler's address, or None before the first job and after close."""
        return self._client.scheduler.address if self._client is not None else None

    def _connect(self):
        if self._client is not None:
            return self._client
        distributed = self._distributed
        address = self.options.get("scheduler")
        if address is None:
            self._quiet_distributed_logs()
            try:
                self._cluster = distributed.LocalCluster(
                    n_workers=self.workers, threads_per_worker=1, processes=True,
                    host=LOOPBACK_HOST, dashboard_address=None, silence_logs=logging.ERROR,
                    # With the dashboard off, the scheduler still serves its HTTP routes
                    # (health, metrics), on port 8787 by default. A free loopback port
                    # cannot clash with another cluster on this machine.
                    scheduler_kwargs={"dashboard_address": f"{LOOPBACK_HOST}:0"})
                self._client = distributed.Client(self._cluster, set_as_default=False)
            except Exception as exc:
                self.close()
                raise ConfigError(
                    f"could not start a Dask local cluster of {self.workers} worker processes "
                    f"on {LOOPBACK_HOST}: {type(exc).__name__}: {exc}. Workers start with "
                    f"multiprocessing's spawn method, so a script that runs the screen must "
                    f"do so under 'if __name__ == \"__main__\":'") from exc
            except BaseException:
                self.close()
                raise
            logger.info("started a Dask local cluster of %d worker processes at %s",
                        self.workers, self._cluster.scheduler_address)
            return self._client

        logger.info("connecting to the Dask scheduler at %s; workers=%d is ignored, the "
                    "cluster decides", address, self.workers)
        kwargs = {}
        if self.options.get("connect_timeout") is not None:
            kwargs["timeout"] = self.options["connect_timeout"]
        try:
            self._client = distributed.Client(address, set_as_default=False, **kwargs)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ConfigError(
                f"could not connect to the Dask scheduler {address!r}: {type(exc).__name__}: "
                f"{exc}. Check that the scheduler runs and that this address reaches it, or "
                f"remove the option 'scheduler' to start a local cluster") from exc
        if self.options.get("check_versions", True):
            self._check_worker_versions(address)
        return self._client

    def _check_worker_versions(self, address: str) -> None:
        # NOTE: only the workers connected now are checked. A worker that joins the
        # cluster later (adaptive scaling) runs jobs unchecked.
        try:
            remote = self._client.run(package_versions)
        except Exception as exc:  # a worker that cannot import seedwalk fails here
            self.close()
            raise ConfigError(
                f"could not read package versions from the workers of the Dask scheduler "
                f"{address!r}: {type(exc).__name__}: {exc}. Every worker needs seedwalk and "
                f"the run's plugin modules installed") from exc
        if not remote:
            logger.warning("the Dask scheduler at %s has no workers yet, so their package "
                           "versions are not checked", address)
            return
        differences = version_differences(package_versions(), remote)
        if differences:
            self.close()
            listed = "; ".join(differences[:5])
            more = f" and {len(differences) - 5} more" if len(differences) > 5 else ""
            raise ConfigError(
                f"workers of the Dask scheduler {address!r} run other package versions than "
                f"this process, which can change results: {listed}{more}. Install the same "
                f"versions on every worker, or set the option check_versions = false to run "
                f"anyway")
        logger.info("package versions of %d Dask workers match this process", len(remote))

    def _quiet_distributed_logs(self) -> None:
        # distributed logs every task cancellation, worker start and worker stop at
        # INFO, which would flood a command line that shows warnings only. Its
        # warnings and errors (a worker that died, for example) still show.
        distributed_logger = logging.getLogger("distributed")
        if distributed_logger.getEffectiveLevel() < logging.WARNING:
            self._saved_log_level = distributed_logger.level
            distributed_logger.setLevel(logging.WARNING)

    def _restore_distributed_logs(self) -> None:
        if self._saved_log_level is not None:
            logging.getLogger("distributed").setLevel(self._saved_log_level)
            self._saved_log_level = None

    def map_unordered(self, function, items):
        items = list(items)
        if not items:  # a resumed run with nothing left starts no cluster
            return
        client = self._connect()
        task = function
        if self.options.get("exclusive_globals", False):
            task = functools.partial(_run_holding_global_lock, function)

        # The loop is given explicitly: as_completed would otherwise use the process's
        # default client, which may belong to another cluster.
        completed = self._distributed.as_completed(loop=client.loop)
        try:
            for item in items:
                completed.add(client.submit(task, item, pure=False))
            for future in completed:
                result = future.result()
                future.release()
                yield result
        finally:
            # This runs on success, on an error, on KeyboardInterrupt and when the
            # caller stops iterating, so no queued task keeps running on a cluster.
            self._cancel(list(completed.futures))

    def _cancel(self, futures) -> None:
        if not futures or self._client is None:
            return
        try:
            self._client.cancel(futures)
        except Exception:  # the connection may already be closed, and close() runs next
            logger.warning("could not cancel %d Dask tasks", len(futures), exc_info=True)

    def close(self) -> None:
        """Close the client, then the local cluster and its worker processes."""
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        try:
            if client is not None:
                client.close()
        finally:
            try:
                if cluster is not None:
                    cluster.close()
                    logger.info("closed the Dask local cluster")
            finally:
                self._restore_distributed_logs()


@hookimpl
def seedwalk_add_executors():
    return [DaskExecutor]
