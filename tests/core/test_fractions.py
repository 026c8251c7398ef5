"""Fraction expressions over species areas with error propagation."""

from __future__ import annotations

import numpy as np
import pytest

from xpsfit.errors import FitError, SpecError
from xpsfit.fractions import evaluate_fraction

SPECIES = ("Co3+", "Co2+", "Co")


def test_value_and_error_match_analytic() -> None:
    areas = np.array([700.0, 300.0, 50.0])
    cov = np.diag([100.0, 49.0, 1.0])
    cov[0, 1] = cov[1, 0] = -20.0
    est = evaluate_fraction("Co2+ / (Co2+ + Co3+)", SPECIES, areas, cov)
    a, b = 300.0, 700.0
    grad = np.array([-a / (a + b) ** 2, b / (a + b) ** 2])  # d/d(Co3+), d/d(Co2+)
    sub = cov[:2, :2]
    assert est.value == pytest.approx(0.3)
    assert est.stderr == pytest.approx(float(np.sqrt(grad @ sub @ grad)), rel=1e-5)


def test_species_with_plus_and_prefixes_tokenise() -> None:
    est = evaluate_fraction("Co / (Co + Co2+ + Co3+)", SPECIES, [1.0, 1.0, 2.0])
    assert est.value == pytest.approx(0.5)
    assert est.stderr is None


@pytest.mark.parametrize(
    ("expr", "match"),
    [
        ("Fe2+ / Co2+", "unknown species"),
        ("Co2+ ** 2", "not allowed"),
        ("abs(Co2+)", "not allowed"),
        ("Co2+ / (", "not valid"),
    ],
)
def test_bad_expressions(expr: str, match: str) -> None:
    with pytest.raises(SpecError, match=match):
        evaluate_fraction(expr, SPECIES, [1.0, 1.0, 1.0])


def test_zero_denominator_is_a_fit_error() -> None:
    with pytest.raises(FitError, match="divides by zero"):
        evaluate_fraction("Co2+ / (Co2+ + Co3+)", SPECIES, [0.0, 0.0, 1.0])
