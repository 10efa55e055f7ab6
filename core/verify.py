"""Re-running a finished run's jobs and comparing result digests.

``seedwalk verify RUN_DIR`` rebuilds the run from its manifest, re-runs all jobs or
a seeded random sample of them on any executor, and compares each new result's
SHA-256 digest with the saved one. A changed input file is detected by its
fingerprint and reported as such, because a mismatch caused by new data shows
nothing about reproducibility.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from pathlib import Path

import attrs
import numpy as np

from seedwalk.config import RunConfig
from seedwalk.errors import ConfigError
from seedwalk.job import execute_job
from seedwalk.rundir import RunDirectory
from seedwalk.runner import plan_screen
from seedwalk.seeding import canonical_key

logger = logging.getLogger(__name__)

MATCH, MISMATCH, MISSING, DATA_CHANGED = "MATCH", "MISMATCH", "MISSING", "DATA CHANGED"


@attrs.frozen
class JobCheck:
    """The outcome of re-running one job."""

    key: tuple
    status: str
    saved_digest: str | None
    new_digest: str | None
    detail: str = ""


@attrs.frozen
class VerifyReport:
    """Every checked job, the changed data files, and the sample seed if sampling."""

    checks: tuple
    changed_data: dict
    sample_seed: int | None
    total_jobs: int

    @property
    def ok(self) -> bool:
        return not self.changed_data and all(c.status == MATCH for c in self.checks)


def load_run_config(run_dir: RunDirectory, manifest: dict) -> RunConfig:
    """Rebuild the config of a run from its manifest, limited to the run's assets."""
    raw = dict(manifest["config"])
    raw["assets"] = sorted({key[1] for key in manifest["jobs"]})
    return RunConfig.from_dict(raw, base_dir=manifest.get("config_base_dir", "."))


def verify_run(path: str | Path, *, jobs: int | None = None, executor: str | None = None,
               workers: int | None = None, sample_seed: int | None = None) -> VerifyReport:
    """Re-run all jobs of a run, or ``jobs`` of them chosen with ``sample_seed``.

    Raises:
        ConfigError: ``path`` is not a run folder, or ``jobs`` is not positive.
    """
    run_dir = RunDirectory(path)
    if not run_dir.path.is_dir():
        raise ConfigError(f"run folder {str(path)!r} not found")
    manifest = run_dir.read_manifest()
    if manifest is None:
        raise ConfigError(f"{str(path)!r} is not a run folder: it has no manifest.json")
    config = load_run_config(run_dir, manifest)
    execution = config.execution
    if executor is not None:
        execution = attrs.evolve(execution, executor=executor)
    if workers is not None:
        execution = attrs.evolve(execution, workers=workers)
    config = attrs.evolve(config, execution=execution)

    plan, pm, registry = plan_screen(config, run_dir.path)
    old = manifest.get("data_fingerprints", {})
    new = plan.manifest["data_fingerprints"]
    changed = {asset: (old.get(asset), new.get(asset)) for asset in sorted(new)
               if old.get(asset) != new.get(asset)}

    selected = list(plan.jobs)
    if jobs is not None:
        if jobs < 1:
            raise ConfigError(f"--jobs must be at least 1 (got {jobs!r})")
        if jobs < len(selected):
            if sample_seed is None:
                sample_seed = secrets.randbelow(2**32)
            picks = np.random.default_rng(sample_seed).choice(len(selected), size=jobs,
                                                              replace=False)
            selected = [selected[i] for i in sorted(picks)]
        else:
            sample_seed = None

    checks: dict[str, JobCheck] = {}
    runnable = []
    for job in selected:
        saved = run_dir.load_result(job.key)
        if job.asset in changed:
            checks[canonical_key(job.key)] = JobCheck(
                job.key, DATA_CHANGED, saved.digest() if saved else None, None,
                "input data fingerprint changed; not re-run")
        elif saved is None:
            checks[canonical_key(job.key)] = JobCheck(job.key, MISSING, None, None,
                                                      "no saved result in the run folder")
        else:
            runnable.append((job, saved))

    saved_by_key = {canonical_key(job.key): saved for job, saved in runnable}
    executor_instance = registry.executor(execution.executor)(
        workers=execution.resolved_workers(), options=execution.options)
    with executor_instance:
        for result in executor_instance.map_unordered(execute_job, [job for job, _ in runnable]):
            key = canonical_key(result.key)
            saved = saved_by_key[key]
            status = MATCH if result.digest() == saved.digest() else MISMATCH
            detail = "" if status == MATCH else _first_difference(saved, result)
            if status == MATCH and result.status != "ok":
                detail = f"the job failed the same way again: {result.error}"
            checks[key] = JobCheck(tuple(result.key), status, saved.digest(), result.digest(),
                                   detail)
    ordered = tuple(checks[canonical_key(job.key)] for job in selected)
    return VerifyReport(ordered, changed, sample_seed, len(plan.jobs))


def _first_difference(saved, new) -> str:
    for field in attrs.fields(type(saved)):
        if field.name == "traceback":
            continue
        if getattr(saved, field.name) != getattr(new, field.name):
            return f"first differing field: {field.name}"
    return "digests differ"


def format_checks(checks: Sequence[JobCheck]) -> list[tuple[str, str, str, str, str]]:
    """Return table rows: key, status, saved digest, new digest (12 hex digits), detail."""
    return [("/".join(map(str, c.key)), c.status, (c.saved_digest or "-")[:12],
             (c.new_digest or "-")[:12], c.detail) for c in checks]
