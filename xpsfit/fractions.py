"""Fraction expressions over species areas, e.g. ``"Co2+ / (Co2+ + Co3+)"``, with errors.

Species ids may contain characters such as ``+`` (``"Co2+"``), so the expression is first
tokenised against the known species ids (longest first) and each id replaced by a placeholder
name; what remains must be numbers, ``+ - * /`` and parentheses (checked on the syntax tree).
The error follows from the species covariance by linear propagation with the exact gradient
of the expression, computed by central differences.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from xpsfit import expressions
from xpsfit.errors import FitError, SpecError
from xpsfit.result import Estimate

__all__ = ["compile_fraction", "evaluate_fraction", "evaluate_fractions"]

FloatArray = NDArray[np.float64]


def compile_fraction(expression: str, species: Sequence[str]) -> Callable[[FloatArray], float]:
    """Turn a fraction expression into a function of the species-area vector.

    Parameters
    ----------
    expression
        Arithmetic over species ids, e.g. ``"Co2+ / (Co2+ + Co3+)"``.
    species
        Species ids in the order of the area vectors the function will receive.

    Returns
    -------
    callable
        ``f(areas) -> float`` (``areas`` in the order of ``species``); raises
        :class:`ZeroDivisionError` where the expression divides by zero.

    Raises
    ------
    SpecError
        Unknown species, or anything but numbers, species, ``+ - * /`` and parentheses.
    """
    return _compiled(expression, tuple(species)).value


@dataclass(frozen=True)
class _Fraction:
    """A compiled fraction: ``func`` takes the areas of the species at ``positions`` (those
    the expression names, in the order of the species-area vector) as plain floats."""

    func: Callable[..., float]
    positions: tuple[int, ...]

    def value(self, areas: FloatArray) -> float:
        """The fraction at ``areas``; raises :class:`ZeroDivisionError` where it is undefined."""
        values = areas.tolist()
        return float(self.func(*[values[i] for i in self.positions]))


@functools.lru_cache(maxsize=256)
def _compiled(expression: str, species: tuple[str, ...]) -> _Fraction:
    """:func:`compile_fraction`, once per expression and species order (fits of one template
    share them)."""
    ordered = sorted(set(species), key=len, reverse=True)
    if not ordered:
        raise SpecError(f"fraction {expression!r}: the fit has no species")
    pattern = re.compile(
        r"(?<![A-Za-z0-9_])(" + "|".join(re.escape(s) for s in ordered) + r")(?![A-Za-z0-9_])"
    )
    slot = {s: f"_s{i}" for i, s in enumerate(species)}
    text = pattern.sub(lambda m: f" {slot[m.group(1)]} ", expression)
    unknown = sorted(
        set(
            re.findall(
                r"(?<![A-Za-z0-9_])([A-Za-z][A-Za-z0-9_]*\+*)(?![A-Za-z0-9_+])(?!\s*\()", text
            )
        )
    )
    if unknown:
        raise SpecError(
            f"fraction {expression!r}: unknown species {', '.join(unknown)} "
            f"(species of this fit: {', '.join(species)})"
        )
    used = expressions.names(text, allow_calls=False)
    named = [(name, i) for i, name in enumerate(slot.values()) if name in used]
    args = ", ".join(name for name, _ in named)
    # a function of the named areas: one call per evaluation, no namespace to build
    code = compile(f"lambda {args}: ({text.strip()})", "<xpsfit-fraction>", "eval")
    func = eval(code, {"__builtins__": {}})
    return _Fraction(func, tuple(i for _, i in named))


def evaluate_fraction(
    expression: str,
    species: Sequence[str],
    areas: ArrayLike,
    covariance: ArrayLike | None = None,
) -> Estimate:
    """Evaluate a fraction expression with its one-sigma error.

    Parameters
    ----------
    expression
        Arithmetic over species ids (see :func:`compile_fraction`).
    species
        Species ids in the order of ``areas``.
    areas
        Total species areas (intensity x eV).
    covariance
        Covariance of ``areas``; ``None`` gives no error.

    Returns
    -------
    Estimate
        Value and error (``None`` without a covariance).

    Raises
    ------
    SpecError
        Invalid expression or unknown species.
    FitError
        The expression divides by zero or is not finite for these areas.
    """
    fraction = _compiled(expression, tuple(species))
    a = np.asarray(areas, dtype=np.float64).reshape(-1)
    try:
        value = fraction.value(a)
    except ZeroDivisionError:
        raise FitError(f"fraction {expression!r} is undefined: it divides by zero") from None
    if not math.isfinite(value):
        raise FitError(f"fraction {expression!r} is not finite")
    if covariance is None:
        return Estimate(value, None)
    cov = np.asarray(covariance, dtype=np.float64)
    grad = np.zeros(a.size)  # zero for the species the expression does not name
    floor = float(np.max(np.abs(a))) * 1e-6 if a.size else 0.0
    values = a.tolist()
    probe = [values[i] for i in fraction.positions]
    for k, i in enumerate(fraction.positions):
        x = probe[k]
        h = 1e-6 * max(abs(x), floor, 1e-12)
        try:
            probe[k] = x + h
            up = float(fraction.func(*probe))
            probe[k] = x - h
            grad[i] = (up - float(fraction.func(*probe))) / (2 * h)
        except ZeroDivisionError:
            return Estimate(value, None)
        probe[k] = x
    var = float(grad @ cov @ grad)
    return Estimate(value, math.sqrt(var) if math.isfinite(var) and var >= 0 else None)


def evaluate_fractions(
    definitions: Mapping[str, str],
    species: Sequence[str],
    areas: ArrayLike,
    covariance: ArrayLike | None = None,
) -> tuple[dict[str, Estimate], list[str]]:
    """Evaluate several named fractions; undefined ones are skipped with a note.

    Returns
    -------
    tuple
        ``(estimates by name, notes)``; a note says why a fraction is missing.
    """
    out: dict[str, Estimate] = {}
    notes: list[str] = []
    for name, expression in definitions.items():
        try:
            out[name] = evaluate_fraction(expression, species, areas, covariance)
        except FitError as exc:
            notes.append(str(exc))
    return out, notes
