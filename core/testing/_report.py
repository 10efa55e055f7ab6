"""Results of the conformance checks, as values and as text for people."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

PASS = "pass"
FAIL = "fail"
SKIP = "skip"

#: Names of the checks, in the order :func:`seedwalk.testing.check_strategy` runs them.
CHECKS = ("interface", "parameter space", "causality", "warm-up", "reproducibility")


def format_params(params: Mapping[str, Any]) -> str:
    """Return ``name=value`` pairs in declaration order, floats in their shortest form."""
    return ", ".join(f"{name}={value!r}" for name, value in params.items()) or "no parameters"


def label_params(index: int, params: Mapping[str, Any]) -> str:
    """Return the label of parameter set ``index`` in a report: ``#2 (fast=12, slow=80)``."""
    return f"#{index} ({format_params(params)})"


@attrs.frozen
class CheckResult:
    """The outcome of one conformance check.

    Attributes:
        check: the check's name, one of :data:`CHECKS`.
        status: ``"pass"``, ``"fail"``, or ``"skip"`` when an earlier failure left
            nothing meaningful to check.
        summary: one line: what was checked, or what went wrong.
        problems: one line per failure, naming the parameter set and the bar.
    """

    check: str
    status: str
    summary: str
    problems: tuple[str, ...] = attrs.field(default=(), converter=tuple)

    @property
    def passed(self) -> bool:
        return self.status == PASS

    def text(self) -> str:
        """Return the result as lines of text: status, check, summary, then each problem."""
        lines = [f"{self.status.upper():4} {self.check}: {self.summary}"]
        lines += [f"     - {problem}" for problem in self.problems]
        return "\n".join(lines)

    def assert_passed(self) -> None:
        """Raise AssertionError with :meth:`text` unless the check passed."""
        if not self.passed:
            raise AssertionError(self.text())


@attrs.frozen
class Report:
    """All conformance checks of one strategy on one data set.

    Attributes:
        strategy: the strategy's name.
        data: a description of the bars: asset, bar count, bar length and dates.
        seed: the seed the parameter sets were drawn with.
        param_sets: the distinct parameter sets that were checked.
        results: one :class:`CheckResult` per check, in :data:`CHECKS` order.
        drawn: False when the caller gave the parameter sets instead of drawing them.
    """

    strategy: str
    data: str
    seed: int
    param_sets: tuple[dict, ...] = attrs.field(converter=tuple)
    results: tuple[CheckResult, ...] = attrs.field(converter=tuple)
    drawn: bool = True

    @property
    def passed(self) -> bool:
        """True when every check passed; a skipped check counts as not passed."""
        return all(result.passed for result in self.results)

    @property
    def failures(self) -> list[CheckResult]:
        """The checks that failed or were skipped."""
        return [result for result in self.results if not result.passed]

    def result(self, check: str) -> CheckResult:
        """Return the result of the check called ``check``."""
        for result in self.results:
            if result.check == check:
                return result
        raise KeyError(f"no check {check!r} in this report; checks: {list(CHECKS)!r}")

    def text(self) -> str:
        """Return the whole report as text, the form ``seedwalk check-strategy`` prints."""
        origin = f"drawn from its space with seed {self.seed}" if self.drawn else "given"
        lines = [f"strategy {self.strategy!r} on {self.data}",
                 f"{len(self.param_sets)} parameter set(s) {origin}:"]
        lines += [f"  {label_params(i, params)}" for i, params in enumerate(self.param_sets)]
        lines += [result.text() for result in self.results]
        if self.passed:
            lines.append(f"result: PASS, all {len(self.results)} checks passed")
        else:
            names = ", ".join(result.check for result in self.failures)
            lines.append(f"result: FAIL, {len(self.failures)} of {len(self.results)} checks "
                         f"did not pass ({names})")
        return "\n".join(lines)

    def assert_passed(self) -> None:
        """Raise AssertionError with the whole report unless every check passed."""
        if not self.passed:
            raise AssertionError(self.text())
