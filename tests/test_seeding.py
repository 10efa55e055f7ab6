import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from seedwalk.errors import ConfigError
from seedwalk.seeding import JobSeeds, SeedTree, canonical_key, check_base_seed, key_words


def test_canonical_key_is_compact_json():
    assert canonical_key(("screen", "GALA-USDT", "fold", 3)) == '["screen","GALA-USDT","fold",3]'


def test_canonical_key_rejects_floats():
    with pytest.raises(ConfigError, match="floats are not allowed"):
        canonical_key(("screen", 1.5))


def test_key_words_are_sha256_words():
    digest = hashlib.sha256(b"abc").digest()
    words = key_words("abc")
    assert len(words) == 8
    assert words[0] == int.from_bytes(digest[:4], "big")
    assert words[7] == int.from_bytes(digest[28:], "big")


def test_job_seeds_depend_on_key_and_base_seed():
    a = JobSeeds.derive(0, ("screen", "GALA-USDT", "fold", 0))
    b = JobSeeds.derive(0, ("screen", "GALA-USDT", "fold", 1))
    c = JobSeeds.derive(1, ("screen", "GALA-USDT", "fold", 0))
    again = JobSeeds.derive(0, ("screen", "GALA-USDT", "fold", 0))
    assert a == again
    assert a.sampler != b.sampler
    assert a.sampler != c.sampler
    assert np.array_equal(a.numpy_global, again.numpy_global)
    assert not np.array_equal(a.numpy_global, b.numpy_global)


def test_named_seeds_are_distinct_within_job():
    seeds = JobSeeds.derive(7, ("k",))
    integers = {seeds.numba, seeds.sampler, seeds.python % 2**32}
    assert len(integers) == 3


def test_generator_streams_by_name_and_index():
    tree = SeedTree.for_job(3, ("k",))
    first = tree.child("mc").index(5).generator().random(4)
    second = tree.child("mc").index(5).generator().random(4)
    other = tree.child("mc").index(6).generator().random(4)
    assert np.array_equal(first, second)
    assert not np.array_equal(first, other)


def test_seed_sequence_matches_documented_formula():
    key = ("screen", "BTC-USDT", "fold", 2)
    tree = SeedTree.for_job(42, key)
    expected = np.random.SeedSequence(entropy=42, spawn_key=key_words(json.dumps(
        list(key), separators=(",", ":"))))
    assert np.array_equal(tree.seed_sequence().generate_state(4),
                          expected.generate_state(4))


@pytest.mark.parametrize("bad", [-1, 2**64, 1.0, "3", True, None])
def test_base_seed_validation(bad):
    with pytest.raises(ConfigError, match="base seed"):
        check_base_seed(bad)


def test_seeds_independent_of_hash_seed():
    code = ("from seedwalk.seeding import JobSeeds;"
            "s = JobSeeds.derive(5, ('screen', 'GALA-USDT', 'fold', 1));"
            "print(s.sampler, s.numba, s.python, int(s.numpy_global.sum()))")
    outputs = set()
    for hash_seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True)
        outputs.add(run.stdout)
    assert len(outputs) == 1
