"""Walk-forward folds: in-sample windows followed by out-of-sample windows.

All positions are bar indices into one asset's series, half-open like Python
slices: a fold's in-sample window is bars ``is_start`` to ``is_end - 1``.
"""

from __future__ import annotations

import attrs

from seedwalk.errors import ConfigError


@attrs.frozen
class Fold:
    """One fold's windows, as bar positions ``[start, end)``."""

    index: int
    is_start: int
    is_end: int
    oos_start: int
    oos_end: int


def split_folds(n_bars: int, *, in_sample: int, out_of_sample: int, step: int | None = None,
                anchored: bool = False, gap: int = 0, start: int = 0) -> list[Fold]:
    """Split ``n_bars`` bars into walk-forward folds.

    Rolling folds move the in-sample window forward by ``step`` bars each time;
    anchored folds keep it starting at ``start`` and let it grow. The out-of-sample
    window starts ``gap`` bars after the in-sample window ends. Folds continue while
    a whole out-of-sample window fits; bars after the last one are not used.

    With ``step == out_of_sample`` (the default) the out-of-sample windows tile the
    test period without overlap, so their returns can be stitched into one series.

    Example: 100 bars, in-sample 60, out-of-sample 20, step 20 give two folds,
    in-sample 0-59 with out-of-sample 60-79, and in-sample 20-79 with 80-99.

    Raises:
        ConfigError: when not even one fold fits, naming the bars needed and available.
    """
    step = out_of_sample if step is None else step
    for name, value in (("in_sample", in_sample), ("out_of_sample", out_of_sample),
                        ("step", step)):
        if value < 1:
            raise ConfigError(f"{name} must be at least 1 bar (got {value!r})")
    if gap < 0:
        raise ConfigError(f"gap must be >= 0 bars (got {gap!r})")
    if step < out_of_sample:
        raise ConfigError(f"step {step!r} is shorter than out_of_sample {out_of_sample!r}, so "
                          f"out-of-sample windows would overlap; set step >= out_of_sample")

    folds: list[Fold] = []
    offset = start
    while True:
        is_start = start if anchored else offset
        is_end = offset + in_sample
        oos_start = is_end + gap
        oos_end = oos_start + out_of_sample
        if oos_end > n_bars:
            break
        folds.append(Fold(len(folds), is_start, is_end, oos_start, oos_end))
        offset += step
    if not folds:
        needed = start + in_sample + gap + out_of_sample
        raise ConfigError(
            f"the data has {n_bars} bars but one fold needs {needed} (in_sample {in_sample} + "
            f"gap {gap} + out_of_sample {out_of_sample}); shorten the windows or use more data"
        )
    return folds
