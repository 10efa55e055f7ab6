import pytest

from seedwalk.errors import ConfigError
from seedwalk.walkforward import Fold, split_folds


def test_rolling_split_hand_computed():
    folds = split_folds(100, in_sample=60, out_of_sample=20, step=20)
    assert folds == [Fold(0, 0, 60, 60, 80), Fold(1, 20, 80, 80, 100)]


def test_oos_windows_tile_without_overlap():
    folds = split_folds(1500, in_sample=500, out_of_sample=125)
    assert len(folds) == 8
    for previous, current in zip(folds, folds[1:]):
        assert current.oos_start == previous.oos_end


def test_anchored_split_grows():
    folds = split_folds(100, in_sample=40, out_of_sample=20, anchored=True)
    assert [(f.is_start, f.is_end) for f in folds] == [(0, 40), (0, 60), (0, 80)]


def test_gap_between_windows():
    folds = split_folds(100, in_sample=50, out_of_sample=20, gap=5, step=20)
    assert folds[0] == Fold(0, 0, 50, 55, 75)
    assert all(f.oos_start - f.is_end == 5 for f in folds)


def test_windows_longer_than_data():
    with pytest.raises(ConfigError, match="has 100 bars but one fold needs 130"):
        split_folds(100, in_sample=100, out_of_sample=30)


def test_overlapping_step_rejected():
    with pytest.raises(ConfigError, match="would overlap"):
        split_folds(100, in_sample=50, out_of_sample=20, step=10)
