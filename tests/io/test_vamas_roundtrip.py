"""VAMAS writer -> reader round trip: arrays bit for bit, fields and metadata identical."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from xpsfit.io.vamas import load_vamas, parse_vamas_bytes
from xpsfit.io.vamas_write import format_vamas, write_vamas
from xpsfit.spectrum import Spectrum

N_SPECTRA = 300


def _differences(a: Spectrum, b: Spectrum) -> list[str]:
    out = []
    for f in dataclasses.fields(Spectrum):
        if f.name == "source_file":
            continue
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            same = x is not None and y is not None and x.dtype == y.dtype
            if not (same and np.array_equal(x, y, equal_nan=True)):
                out.append(f.name)
        elif f.name == "metadata":
            out += [f"metadata[{k}]" for k in set(x) | set(y) if x.get(k) != y.get(k)]
        elif x != y or type(x) is not type(y):
            out.append(f.name)
    return out


def _spectrum(rng: np.random.Generator, k: int) -> Spectrum:
    n = int(rng.integers(1, 120))
    hv = float(rng.choice([1486.6, 1253.6, 1486.61, 21.22]))
    kinetic = bool(rng.integers(0, 2))
    if rng.integers(0, 3) == 0:  # irregular axis
        be = np.sort(rng.uniform(0.0, hv * 0.9, n))
    else:
        be = float(rng.uniform(-5, hv * 0.8)) + float(
            rng.choice([0.05, 0.1, 0.25, 1.0])
        ) * np.arange(n)
    meta: dict[str, Any] = {}
    if kinetic:  # as the reader makes it: BE = hv - KE
        be = hv - (hv - be)
        meta["vamas"] = (("abscissa_label", "Kinetic Energy"),)
    y = rng.normal(1000, 300, n) * float(rng.choice([1.0, 1e-3, 1e6]))
    if k % 5 == 0:
        meta["transmission"] = tuple(rng.uniform(0.1, 1.0, n).tolist())
        meta["transmission_label"] = ("Transmission", "d")
    if k % 7 == 0:
        meta["experiment_variables"] = (("Angle", "degree", float(k % 4) * 20.0),)
    if k % 11 == 0:
        meta["comment"] = ("line one", f"spectrum {k}", "é ünïcode")
        meta["charge_shift"] = 0.3
        meta["free"] = {"nested": (1, 2.5, None, True), "text": "a\nb"}
    return Spectrum(
        binding_energy=be, intensity=y,
        uncertainty=np.sqrt(np.abs(y)) if k % 3 == 0 else None,
        region=["C 1s", "Co 2p", "O 1s", "Survey", "my region"][k % 5],
        element=["C", "Co", "O", "", "X"][k % 5], transition=["1s", "2p", "1s", "", ""][k % 5],
        source_label="Al Ka" if k % 2 else "", source_energy=hv,
        pass_energy=None if k % 4 == 0 else float(rng.uniform(5, 200)),
        scans=None if k % 6 == 0 else int(rng.integers(0, 50)),
        dwell_time=None if k % 8 == 0 else float(rng.uniform(0.01, 1.0)),
        sample=f"sample {k // 10}", block=f"block {k}" if k % 9 else "",
        etch_level=None if k % 4 == 1 else k // 10, etch_time=None if k % 4 == 2 else k * 12.5,
        metadata=meta,
    )  # fmt: skip


def test_300_generated_spectra_round_trip(rng: np.random.Generator) -> None:
    spectra = [_spectrum(rng, k) for k in range(N_SPECTRA)]
    files = [spectra[i : i + 10] for i in range(0, N_SPECTRA, 10)]
    count = 0
    for group in files:
        back = parse_vamas_bytes(format_vamas(group).encode("utf-8"), "rt.vms")
        assert len(back) == len(group)
        for a, b in zip(group, back, strict=True):
            assert _differences(a, b) == [], a.block
            count += 1
    assert count == N_SPECTRA


def test_regular_and_irregular_scan_modes(rng: np.random.Generator) -> None:
    regular = Spectrum(binding_energy=280.0 + 0.5 * np.arange(5), intensity=np.arange(5.0))
    text = format_vamas([regular])
    assert "\nREGULAR\n" in text
    assert "\nBinding Energy\n" in text
    irregular = regular.replace(binding_energy=[280.0, 280.3, 281.0, 281.1, 290.0])
    assert "\nIRREGULAR\n" in format_vamas([irregular])


def test_depth_profile_levels_are_experiment_variables(tmp_path: Path) -> None:
    levels = [
        Spectrum(binding_energy=[779.0, 780.0], intensity=[1.0, 2.0], region="Co 2p",
                 element="Co", transition="2p", etch_level=i, etch_time=30.0 * i)
        for i in range(3)
    ]  # fmt: skip
    path = tmp_path / "profile.vms"
    write_vamas(path, levels)
    text = path.read_text()
    assert "\nEtch Time\ns\n" in text
    assert "\nEtch Level\nd\n" in text
    assert "xpsfit-metadata" not in text  # everything fits into native VAMAS fields
    back = load_vamas(path)
    assert [(s.etch_level, s.etch_time) for s in back] == [(0, 0.0), (1, 30.0), (2, 60.0)]


def test_real_files_round_trip(realdata: Path, tmp_path: Path) -> None:
    files = sorted(p for p in realdata.rglob("*") if p.suffix.lower() in (".vms", ".npl"))
    for path in files:
        original = load_vamas(path)
        out = tmp_path / path.name
        write_vamas(out, original)
        back = load_vamas(out)
        assert [_differences(a, b) for a, b in zip(original, back, strict=True)] == [
            [] for _ in original
        ], path.name


def test_nan_intensity_survives_and_stays_flagged() -> None:
    s = Spectrum(binding_energy=[1.0, 2.0, 3.0], intensity=[1.0, math.nan, 3.0])
    (back,) = parse_vamas_bytes(format_vamas([s]).encode(), "nan")
    assert np.array_equal(back.intensity, s.intensity, equal_nan=True)
    assert any("non-finite" in w for w in back.metadata["warnings"])


def test_writing_nothing_is_an_error() -> None:
    from xpsfit.errors import XpsfitError

    with pytest.raises(XpsfitError):
        format_vamas([])
