"""The sampler interface: how a job proposes parameter sets.

A sampler factory builds one seeded Optuna sampler per job. The job drives the
study by ask and tell, one trial at a time or in batches of a fixed size, and tells
results back in trial-number order, so the trials a study proposes depend only on
the seed, the space, the batch size and the objective values.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any, ClassVar

from seedwalk.space import ParamSpace


class SamplerFactory(abc.ABC):
    """Builds a seeded sampler for one job.

    Attributes:
        name: the value of ``[optimize] sampler`` that selects this factory.
        description: one line shown by ``seedwalk plugins``.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""

    @abc.abstractmethod
    def create(self, *, seed: int, space: ParamSpace, trials: int,
               options: Mapping[str, Any]):
        """Return a new ``optuna.samplers.BaseSampler`` seeded with ``seed``.

        Args:
            seed: the job's sampler seed, a 32-bit integer from the RNG context.
                It is the only source of randomness the sampler may use.
            space: the job's parameter space.
            trials: the number of trials the job will ask for.
            options: the ``[optimize] sampler_options`` table.

        Raises:
            ConfigError: for options this sampler does not accept.
        """
