"""Fixtures of the reader tests: checking a real file against the values measured from it once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pytest

from xpsfit.spectrum import Spectrum

Loader = Callable[[Path], list[Spectrum]]
GoldenCheck = Callable[[Loader, Sequence[Any]], tuple[list[Spectrum], tuple[Any, ...]]]


class Golden(NamedTuple):
    """What one real file reads as: measured once, checked ever after."""

    path: str
    """File path relative to the real-data folder."""
    spectra: int
    """Number of spectra read."""
    points: int
    """Number of points summed over all spectra."""
    first: tuple[str, int, float, float]
    """First spectrum: region, points, first and last binding energy (eV)."""
    last: tuple[str, float, float]
    """Last spectrum: region, first and last binding energy (eV)."""
    checksum: float
    """Sum of every intensity of every spectrum (NaN skipped)."""


@pytest.fixture
def check_golden(realdata: Path) -> GoldenCheck:
    """A checker ``check(load, row)``: reads the file of ``row`` with ``load`` and asserts it
    matches the :class:`Golden` fields that open the row; returns the spectra and the rest of
    the row, for the checks only one format has (etch levels, source energy)."""

    def check(load: Loader, row: Sequence[Any]) -> tuple[list[Spectrum], tuple[Any, ...]]:
        width = len(Golden._fields)
        golden = Golden(*row[:width])
        spectra = load(realdata / golden.path)
        assert len(spectra) == golden.spectra
        assert sum(s.n_points for s in spectra) == golden.points
        first, last = spectra[0], spectra[-1]
        assert (first.region, first.n_points) == golden.first[:2]
        assert first.binding_energy[[0, -1]] == pytest.approx(golden.first[2:], abs=1e-9)
        assert last.region == golden.last[0]
        assert last.binding_energy[[0, -1]] == pytest.approx(golden.last[1:], abs=1e-9)
        total = sum(float(np.nansum(s.intensity)) for s in spectra)
        assert total == pytest.approx(golden.checksum, rel=1e-12)
        return spectra, tuple(row[width:])

    return check
