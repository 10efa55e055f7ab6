"""The run directory: manifest, one result file per job, aggregated tables.

Layout::

    RUN_DIR/
      manifest.json      config, base seed, versions, data fingerprints, plugins, job keys
      jobs/<slug>.json   one JobResult per finished job, written atomically
      results.csv        one row per asset (also results.parquet)
      report.html        the summary table and each asset's stitched equity curve

Every file is written to a temporary name in the same folder and renamed, so a
killed run leaves either a whole file or none. Re-running into the same folder
keeps finished jobs and runs only the missing ones, provided the manifest's run
identity matches; otherwise the folder is rejected instead of mixed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
from pathlib import Path

from seedwalk.errors import ReproducibilityError
from seedwalk.job import JobResult
from seedwalk.seeding import canonical_key

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
JOBS_DIR = "jobs"


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # A unique name opened with "x" instead of tempfile.mkstemp, so the file gets the
    # usual permissions from the umask rather than mkstemp's owner-only 0600.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    try:
        with open(temporary, "xb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def job_slug(key) -> str:
    """Return a file-system-safe, unique name for a job key.

    The readable part helps a person find a file; the digest suffix keeps names
    unique whatever characters an asset name contains.
    """
    text = canonical_key(key)
    readable = "".join(c if c.isalnum() or c in "-." else "_" for c in "_".join(map(str, key)))
    return f"{readable[:80]}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


class RunDirectory:
    """A run folder on disk."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST

    def job_path(self, key) -> Path:
        return self.path / JOBS_DIR / f"{job_slug(key)}.json"

    def read_manifest(self) -> dict | None:
        """Return the manifest, or None when the folder has none.

        Raises:
            ReproducibilityError: the manifest exists but is not valid JSON.
        """
        try:
            return json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (ValueError, UnicodeDecodeError) as exc:
            raise ReproducibilityError(
                f"{str(self.manifest_path)!r} is not valid JSON ({exc}); the run folder is "
                f"damaged. Choose another --out folder") from None

    def check_same_run(self, manifest: dict) -> dict:
        """Check that the folder's manifest, if any, belongs to the same run.

        Returns the manifest to write: ``manifest`` with the fingerprints of assets
        that only the earlier attempt screened added.

        Raises:
            ReproducibilityError: the folder contains another run (a different run
                identity), an input file changed since, or files but no manifest.
        """
        existing = self.read_manifest()
        if existing is None:
            if self.path.exists() and any(self.path.iterdir()):
                raise ReproducibilityError(
                    f"output folder {str(self.path)!r} is not empty and has no {MANIFEST}; "
                    f"choose an empty or new --out folder")
            return manifest
        if existing.get("run_id") != manifest["run_id"]:
            raise ReproducibilityError(
                f"output folder {str(self.path)!r} holds another run (run_id "
                f"{existing.get('run_id')!r}, this run is {manifest['run_id']!r}): its config, "
                f"seed or seedwalk version differ. Choose another --out folder")
        old = existing.get("data_fingerprints", {})
        new = manifest.get("data_fingerprints", {})
        changed = sorted(a for a in old.keys() & new.keys() if old[a] != new[a])
        if changed:
            asset = changed[0]
            raise ReproducibilityError(
                f"the data of {len(changed)} asset(s) changed since the run in "
                f"{str(self.path)!r} started, first {asset!r}: SHA-256 {old[asset]} then, "
                f"{new[asset]} now. Its finished jobs no longer match; restore the data "
                f"or choose another --out folder")
        return {**manifest, "data_fingerprints": {**old, **new}}

    def prepare(self, manifest: dict) -> None:
        """Create the folder for a new run, or check that it contains the same run.

        Raises:
            ReproducibilityError: see :meth:`check_same_run`.
        """
        manifest = self.check_same_run(manifest)
        self.path.mkdir(parents=True, exist_ok=True)
        # A killed run can leave temporary files that never got renamed; they hold
        # no finished result, so they are removed.
        for stale in list(self.path.glob(".*.tmp")) + list(self.path.glob(f"{JOBS_DIR}/.*.tmp")):
            stale.unlink(missing_ok=True)
        # The manifest is rewritten on resume so it lists this attempt's job keys.
        atomic_write_text(self.manifest_path, json.dumps(manifest, indent=2, sort_keys=True))

    def load_result(self, key) -> JobResult | None:
        """Return the saved result of a job, or None if it has none or it is unreadable."""
        path = self.job_path(key)
        try:
            result = JobResult.from_json(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (ValueError, TypeError) as exc:
            logger.warning("ignoring unreadable job file %s (%s); the job runs again", path, exc)
            return None
        if tuple(result.key) != tuple(key):
            logger.warning("ignoring job file %s: it contains key %r", path, result.key)
            return None
        return result

    def save_result(self, result: JobResult) -> None:
        atomic_write_text(self.job_path(result.key), result.to_json())
