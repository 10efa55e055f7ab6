"""Hook specifications: every extension point of seedwalk, grouped by phase.

Plugins implement these with ``@seedwalk.hookimpl`` (also ``seedwalk.hookspecs.hookimpl``). Hooks are called with keyword
arguments only, and an implementation may accept any subset of a hook's arguments,
so new arguments can be added without breaking existing plugins. A plugin that
implements a hook name not listed here fails at start-up (see
:func:`seedwalk.plugins_manager.build_plugin_manager`).

Phases, in the order a run meets them:

1. registration: plugins contribute data sources, strategies, samplers, executors;
2. run lifecycle: the run starts, jobs are planned, results arrive, the run ends;
3. job: a job runs inside a worker, wrapped by every ``seedwalk_run_job`` wrapper;
   the RNG context is one such wrapper, and the core cannot run a job without it.
"""

from __future__ import annotations

import pluggy

PROJECT_NAME = "seedwalk"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# ---------------------------------------------------------------------------
# Registration: called once per plugin manager; every result is collected.
# ---------------------------------------------------------------------------


@hookspec
def seedwalk_add_data_sources():
    """Contribute data source classes.

    Called each time a component registry is built from a plugin manager: in the
    main process, and once in each worker process that rebuilds the manager.

    Returns:
        A list of :class:`seedwalk.datasource.DataSource` subclasses. Each class's
        ``name`` is the value a config gives as ``[data] source``. Results of all
        plugins are collected; two classes with the same name raise
        :class:`~seedwalk.errors.PluginError` naming both plugins.
    """


@hookspec
def seedwalk_add_strategies():
    """Contribute strategy classes.

    Called once per plugin manager, in the main process and again in each worker
    process when it rebuilds the manager.

    Returns:
        A list of :class:`seedwalk.strategy.Strategy` subclasses, selected by their
        ``name`` (``--strategy NAME``). All results are collected; duplicate names
        raise :class:`~seedwalk.errors.PluginError`.
    """


@hookspec
def seedwalk_add_samplers():
    """Contribute parameter samplers.

    Returns:
        A list of :class:`seedwalk.sampler.SamplerFactory` instances, selected by
        ``name`` (``[optimize] sampler``). All results are collected; duplicate
        names raise :class:`~seedwalk.errors.PluginError`.
    """


@hookspec
def seedwalk_add_executors():
    """Contribute executors.

    Returns:
        A list of :class:`seedwalk.executor.Executor` subclasses, selected by
        ``name`` (``--executor NAME``). An executor maps jobs to results and never
        decides anything about seeds. All results are collected; duplicate names
        raise :class:`~seedwalk.errors.PluginError`.
    """


# ---------------------------------------------------------------------------
# Run lifecycle: called in the main process, for observers. Return values are
# ignored; an exception raised by an observer stops the run.
# ---------------------------------------------------------------------------


@hookspec
def seedwalk_run_start(plan):
    """Fire after the run is planned and its manifest is written, before any job runs.

    Args:
        plan: the :class:`seedwalk.runner.Plan`: config, jobs (in key order),
            run directory, and the keys of jobs already finished by an earlier,
            interrupted attempt (``plan.done``).
    """


@hookspec
def seedwalk_job_finish(plan, result):
    """Fire in the main process each time a job's result arrives, after it is saved.

    Results arrive in completion order, which depends on the executor; observers
    must not draw conclusions from that order.

    Args:
        plan: the run's :class:`seedwalk.runner.Plan`.
        result: the :class:`seedwalk.job.JobResult`; ``result.status`` is ``"ok"``
            or ``"error"`` (then ``result.error`` contains the message).
    """


@hookspec
def seedwalk_run_finish(plan, summary):
    """Fire once after every job has a result and the run's tables are written.

    Args:
        plan: the run's :class:`seedwalk.runner.Plan`.
        summary: the aggregated per-asset ``pandas.DataFrame``, as in ``results.csv``.
    """


# ---------------------------------------------------------------------------
# Job: called where the job runs (a worker process, a thread or the main process).
# ---------------------------------------------------------------------------


@hookspec(firstresult=True)
def seedwalk_run_job(job, context):
    """Run one job and return its result.

    The core implements this hook; plugins wrap it with
    ``@hookimpl(wrapper=True)`` to act before and after every job, in the job's
    own thread. The RNG context plugin is such a wrapper: it fills
    ``context.seeds`` and ``context.rng`` before the job and restores the global
    random states afterwards. Wrappers must not change the job's result, except
    to record a failure.

    Args:
        job: the frozen :class:`seedwalk.job.Job`.
        context: the :class:`seedwalk.job.JobContext`, a mutable holder that
            wrappers fill in (``seeds``, ``rng``) and the job reads.

    Returns:
        A :class:`seedwalk.job.JobResult`. The first non-None result wins.
    """
