"""Seed derivation: one tree of seeds from the run's base seed, by stable names.

A job's seed material is ``SeedSequence(entropy=base_seed, spawn_key=words)`` where
``words`` are the 32-bit words of the SHA-256 digest of the job key's canonical JSON.
SHA-256 gives the same words in every process, unlike Python's ``hash()``, which
is salted per process by ``PYTHONHASHSEED``. Everything random inside a job is then
spawned from that material by a stable name ("optuna", "numpy-global", ...) or a
stable index (trial i, Monte Carlo path i), never by worker id or list position.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import attrs
import numpy as np

from seedwalk.errors import ConfigError

#: Largest base seed accepted: SeedSequence takes any non-negative int, but seeds
#: are written to JSON manifests and typed on command lines, so keep them 64-bit.
MAX_BASE_SEED = 2**64 - 1


def canonical_key(key: Sequence) -> str:
    """Encode a job key as canonical JSON: compact, sorted keys, no NaN.

    Raises:
        ConfigError: a key element that is not a str, int, bool or None.
    """
    for part in key:
        if not isinstance(part, (str, int, bool, type(None))) or isinstance(part, float):
            raise ConfigError(
                f"job key parts must be str, int, bool or None (got {part!r} that is a "
                f"{type(part).__name__}); floats are not allowed because their text form "
                f"is ambiguous"
            )
    return json.dumps(list(key), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def key_words(text: str) -> tuple[int, ...]:
    """Return the eight big-endian 32-bit words of the SHA-256 digest of ``text``."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return tuple(int.from_bytes(digest[i:i + 4], "big") for i in range(0, 32, 4))


def check_base_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not (
            0 <= int(seed) <= MAX_BASE_SEED):
        raise ConfigError(
            f"base seed must be an integer from 0 to 2**64 - 1 (got {seed!r}); "
            f"pass --seed with a non-negative integer"
        )
    return int(seed)


@attrs.frozen
class SeedTree:
    """A node of the seed tree: base seed plus a path of 32-bit words.

    ``child(name)`` and ``index(i)`` extend the path, so a child's stream depends only
    on its name or index and on its ancestors, never on sibling order.
    """

    base_seed: int
    path: tuple[int, ...] = ()

    @classmethod
    def for_job(cls, base_seed: int, key: Sequence) -> "SeedTree":
        return cls(check_base_seed(base_seed), key_words(canonical_key(key)))

    def child(self, name: str) -> "SeedTree":
        # Two words of the name's digest keep accidental collisions between the few
        # names used in one job far below any practical concern (about 2**-64).
        return SeedTree(self.base_seed, self.path + key_words("name:" + name)[:2])

    def index(self, i: int) -> "SeedTree":
        if i < 0:
            raise ValueError(f"seed tree index must be >= 0 (got {i!r})")
        return SeedTree(self.base_seed, self.path + (0xFFFFFFFF, i & 0xFFFFFFFF, i >> 32))

    def seed_sequence(self) -> np.random.SeedSequence:
        return np.random.SeedSequence(entropy=self.base_seed, spawn_key=self.path)

    def generator(self) -> np.random.Generator:
        """Return a fresh PCG64 generator for this node."""
        return np.random.Generator(np.random.PCG64(self.seed_sequence()))

    def uint32(self) -> int:
        """Return one 32-bit integer seed (for APIs that take a 32-bit seed, such as numba's)."""
        return int(self.seed_sequence().generate_state(1, np.uint32)[0])

    def uint64(self) -> int:
        return int(self.seed_sequence().generate_state(1, np.uint64)[0])


@attrs.frozen
class JobSeeds:
    """The named seeds of one job.

    Attributes:
        tree: the job's node in the seed tree; spawn further streams from it by name.
        python: seed for Python's ``random`` module (128-bit integer).
        numpy_global: 624 words for NumPy's legacy global ``RandomState``.
        numba: 32-bit seed for numba's per-thread generator.
        sampler: seed for the job's parameter sampler (Optuna's ``seed=``).
    """

    tree: SeedTree
    python: int
    numpy_global: np.ndarray = attrs.field(eq=False)
    numba: int
    sampler: int

    @classmethod
    def derive(cls, base_seed: int, key: Sequence) -> "JobSeeds":
        tree = SeedTree.for_job(base_seed, key)
        python_words = tree.child("python").seed_sequence().generate_state(4, np.uint32)
        python_seed = int.from_bytes(python_words.astype(">u4").tobytes(), "big")
        return cls(
            tree=tree,
            python=python_seed,
            numpy_global=tree.child("numpy-global").seed_sequence().generate_state(624, np.uint32),
            numba=tree.child("numba").uint32(),
            # Optuna passes the seed to numpy's RandomState, which takes 32 bits.
            sampler=tree.child("sampler").uint32(),
        )

    def generator(self, name: str = "job") -> np.random.Generator:
        """Return a fresh generator for the stream called ``name``."""
        return self.tree.child(name).generator()

