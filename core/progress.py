"""A progress bar on stderr, as an observer of the run lifecycle hooks."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)

from seedwalk.hookspecs import hookimpl


class ProgressReporter:
    """Shows finished jobs out of all jobs; errors are counted in the description."""

    def __init__(self, enabled: bool = True, label: str | None = None):
        self.enabled = enabled
        self.label = label or "jobs"
        self._progress = None
        self._task = None
        self._errors = 0

    @hookimpl
    def seedwalk_run_start(self, plan):
        if not self.enabled:
            return
        self._progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), TimeRemainingColumn(),
            console=Console(stderr=True), transient=False)
        self._progress.start()
        self._task = self._progress.add_task(self.label, total=len(plan.jobs),
                                             completed=len(plan.done))

    @hookimpl
    def seedwalk_job_finish(self, plan, result):
        if self._progress is None:
            return
        if result.status != "ok":
            self._errors += 1
            self._progress.update(self._task, description=f"{self.label} ({self._errors} failed)")
        self._progress.advance(self._task)

    @hookimpl
    def seedwalk_run_finish(self, plan, summary):
        self.stop()

    def stop(self):
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
