"""Mutation fuzzing of the PHI, SPECS, text and Scienta readers.

Each reader gets FUZZ_CASES mutated inputs per run (truncation, deleted/duplicated lines,
numbers replaced by nan/inf/huge/empty/text, re-encoding, NUL and random bytes, counts claiming
10^9 points, and for PHI binary directory corruption). Every input must parse or raise
ParseError -- nothing else -- within MAX_SECONDS, and non-finite intensities must be flagged.
"""

from __future__ import annotations

import re
import struct
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from xpsfit.errors import ParseError
from xpsfit.io import phi, scienta, specs, text
from xpsfit.spectrum import Spectrum

FUZZ_CASES = 5000
MAX_SECONDS = 2.0
REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"

Parser = Callable[[bytes, str], list[Spectrum]]
_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_REPLACEMENTS = (
    b"nan",
    b"inf",
    b"-inf",
    b"1e308",
    b"1e999",
    b"",
    b"abc",
    b"-0",
    b"1000000000",
    b"NaN",
    b"1,5",
)


def _phi_seed(points: int = 21, cycles: int = 3) -> bytes:
    regions = [("C1s", 6, 290.0, 280.0), ("O1s", 8, 535.0, 525.0)]
    header = "SOFH\r\nFileType: DEPTHPRO\r\nTechnique: XPS\r\nXraySource: Al 1486.6 mono\r\n"
    header += f"NoSpectralReg: {len(regions)}\r\n"
    for i, (label, z, hi, lo) in enumerate(regions, start=1):
        header += f"SpectralRegDef: {i} {i} {label} {z} {points} -0.5 {hi} {lo} {hi} {lo} 0.1 23.5 AREA\r\n"
    header += "EOFH\r\n"
    n_entries = len(regions) + 1
    data_start = 16 + 96 * n_entries
    directory, payload = b"", b""
    for i in range(len(regions)):
        values = np.linspace(100.0, 1000.0, points * cycles).astype("<f4").tobytes()
        directory += _entry(
            i + 1, i + 1, 1, points, cycles, "f4", len(values), data_start + len(payload)
        )
        payload += values
    times = np.repeat(np.arange(cycles, dtype="<f4")[None, :] * 60, len(regions), 0).tobytes()
    directory += _entry(
        n_entries, 0, 8, cycles, len(regions), "f4", len(times), data_start + len(payload)
    )
    payload += times
    return (
        header.encode() + struct.pack("<4I", 1, n_entries, 96 * n_entries, 16) + directory + payload
    )


def _entry(
    index: int, region: int, kind: int, count: int, sets: int, dtype: str, length: int, offset: int
) -> bytes:
    words = [0] * 24
    words[0], words[3], words[4], words[5], words[6] = index, region, kind, count, sets
    words[19], words[20] = length, offset
    raw = bytearray(struct.pack("<24I", *words))
    raw[72:76] = dtype.encode().ljust(4, b"\x00")
    return bytes(raw)


def _specs_seed() -> bytes:
    out = "# Created by:        SpecsLab Prodigy, Version 4.100\n#   Energy Axis:              Binding Energy\n"
    for group in ("G1", "G2"):
        out += (
            f"#\n# Group:                        {group}\n#\n# Region:                       C1s\n"
        )
        out += "# Values/Curve:                 8\n# Excitation Energy:            1486.61\n#\n# Cycle: 0\n#\n"
        for scan in range(2):
            out += f"# Cycle: 0, Curve: 0, Scan: {scan}\n#\n# ColumnLabels: energy counts/s transmission\n#\n"
            out += "".join(
                f"{290 - 0.5 * i}  {1000 + 13 * i}  {1.5 + 0.01 * i}\n" for i in range(8)
            )
            out += "\n"
    return out.encode("latin-1")


def _scienta_seed() -> bytes:
    out = "[Info]\nNumber of Regions=0002\nVersion=1.3.1\n\n"
    for n, (name, scale) in enumerate((("C1s", "Binding"), ("O1s", "Kinetic")), start=1):
        out += f"[Region {n}]\nRegion Name={name}\nDimension 1 name={scale} Energy [eV]\nDimension 1 size=8\n"
        out += "Dimension 2 name=Iteration\nDimension 2 size=2\nDimension 2 scale=1 2\n\n"
        out += f"[Info {n}]\nRegion Name={name}\nExcitation Energy=650\nEnergy Scale={scale}\n"
        out += "Pass Energy=50\nNumber of Sweeps=4\nStep Time=100\n\n[Data {n}]\n".replace(
            "{n}", str(n)
        )
        out += "".join(f" {300 - 0.5 * i:.4E}  {100.0 + i:.4E}  {90.0 + i:.4E}\n" for i in range(8))
        out += "\n"
    return out.encode()


def _text_seeds() -> list[bytes]:
    casa = "Cycle 0:S1:C 1s\n\tCharacteristic Energy eV\t1486.6\n" + "K.E.\tCounts\t\tB.E.\tCPS\n"
    casa += "".join(
        f"{1200 + 0.5 * i}\t{100 + i}\t\t{286.6 - 0.5 * i}\t{1000 + i}\n" for i in range(8)
    )
    clam = "Fix Photon Energy: 600.0 eV\nEnergy (eV)\tCPS\tIe (mA)\n\nScan : \t1\n\n"
    clam += "".join(f"{290 + 0.1 * i:.6f}\t{1700 + i}.0\t88.1\n" for i in range(8))
    mdac = "#legend,O1s,Si2p\n##Sputter Time,3\n\n,0.0,1.0,2.0\n"
    mdac += "".join(f"{543 - 0.1 * i:.4f},{3400 + i},{3500 + i},{3600 + i}\n" for i in range(8))
    plain = "BE/eV,InC1s\n" + "".join(f"{301.5 - 0.1 * i:.1f},{1700 + i}\n" for i in range(10))
    return [s.encode() for s in (casa, clam, mdac, plain)]


def _real_seeds(names: list[str]) -> list[bytes]:
    return [(REALDATA / n).read_bytes() for n in names if (REALDATA / n).is_file()]


def _mutate(data: bytes, rng: np.random.Generator) -> bytes:
    op = int(rng.integers(9))
    if op == 0 and data:
        return data[: int(rng.integers(len(data)))]
    lines = data.split(b"\n")
    if op in (1, 2) and len(lines) > 1:
        i = int(rng.integers(len(lines)))
        return b"\n".join(
            lines[:i] + lines[i + 1 :] if op == 1 else lines[:i] + [lines[i]] * 2 + lines[i:]
        )
    if op in (3, 4):
        matches = list(_NUMBER.finditer(data))
        if matches:
            m = matches[int(rng.integers(len(matches)))]
            new = _REPLACEMENTS[int(rng.integers(len(_REPLACEMENTS)))]
            return data[: m.start()] + new + data[m.end() :]
    if op == 5:
        try:
            return data.decode("latin-1").encode("utf-16" if rng.random() < 0.5 else "utf-8")
        except UnicodeError:
            return data
    if op == 6 and data:
        i = int(rng.integers(len(data)))
        return (
            data[:i]
            + bytes(rng.integers(0, 256, int(rng.integers(1, 8))).astype(np.uint8))
            + data[i:]
        )
    if op == 7:
        return re.sub(rb"\b\d{1,4}\b", b"1000000000", data, count=int(rng.integers(1, 4)))
    if op == 8 and len(data) > 4:
        i = int(rng.integers(len(data) - 4))
        return (
            data[:i]
            + struct.pack("<I", int(rng.choice([0, 2**31, 2**32 - 1, 10**9])))
            + data[i + 4 :]
        )
    return data + b"\x00"


def _check(parse: Parser, data: bytes) -> float:
    start = time.perf_counter()
    try:
        spectra = parse(data, "fuzz")
    except ParseError:
        spectra = []
    elapsed = time.perf_counter() - start
    for s in spectra:
        assert np.all(np.isfinite(s.binding_energy))
        if not np.all(np.isfinite(s.intensity)):
            assert any("non-finite" in str(w) for w in s.metadata["warnings"])
    return elapsed


CASES: dict[str, tuple[Parser, Callable[[], list[bytes]]]] = {
    "phi": (
        phi.parse_phi_bytes,
        lambda: [
            _phi_seed(),
            _phi_seed(5, 1),
            *_real_seeds(
                ["ENGR241-Q2/TiN_AJA_HiRes_Top_Ti_fit_org.spe", "ENGR241-Q2/x1pt1_hires.spe"]
            ),
        ],
    ),
    "specs": (
        specs.parse_specs_bytes,
        lambda: [_specs_seed(), *_real_seeds(["xylib/mm-specs.xy"])],
    ),
    "text": (
        text.parse_text_bytes,
        lambda: [
            *_text_seeds(),
            *_real_seeds(["LG4X-V2/C1s_sample.csv", "ENGR241-Q2/x1pt1_hires.csv"]),
        ],
    ),
    "scienta": (
        scienta.parse_scienta_bytes,
        lambda: [_scienta_seed(), *_real_seeds(["pynxtools-xps/Ag_0001.txt"])],
    ),
}


@pytest.mark.parametrize("reader", sorted(CASES))
def test_mutated_inputs_parse_or_raise_parse_error(reader: str) -> None:
    parse, seeds_of = CASES[reader]
    seeds = seeds_of()
    for seed in seeds:
        assert parse(seed, "seed"), "every seed must parse"
    rng = np.random.default_rng(sum(map(ord, reader)))
    slowest = 0.0
    for case in range(FUZZ_CASES):
        data = seeds[case % len(seeds)]
        for _ in range(int(rng.integers(1, 4))):
            data = _mutate(data, rng)
        slowest = max(slowest, _check(parse, data))
    assert slowest < MAX_SECONDS


@pytest.mark.parametrize("reader", sorted(CASES))
def test_huge_declared_counts_stay_small_in_memory(reader: str) -> None:
    parse, seeds_of = CASES[reader]
    rng = np.random.default_rng(7)
    tracemalloc.start()
    try:
        for seed in seeds_of():
            for _ in range(40):
                data = re.sub(rb"\b\d{1,4}\b", b"1000000000", seed, count=int(rng.integers(1, 12)))
                data = _mutate(data, rng) if rng.random() < 0.5 else data
                _check(parse, data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20
