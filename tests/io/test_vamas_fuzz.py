"""Fuzzing the VAMAS reader: mutated real files never raise anything but ParseError."""

from __future__ import annotations

import contextlib
import random
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xpsfit.errors import ParseError
from xpsfit.io.vamas import parse_vamas_bytes
from xpsfit.spectrum import Spectrum

N_MUTATIONS = 5000
REPLACEMENTS = (
    b"nan",
    b"inf",
    b"-inf",
    b"1e308",
    b"",
    b"abc",
    b"-1",
    b"1000000000",
    b"0",
    b"1e999",
)


def _numeric_lines(lines: list[bytes]) -> list[int]:
    out = []
    for i, line in enumerate(lines):
        try:
            float(line)
        except ValueError:
            continue
        out.append(i)
    return out


def _mutate(data: bytes, rnd: random.Random) -> bytes:
    lines = data.splitlines()
    kind = rnd.randrange(9)
    i = rnd.randrange(len(lines))
    if kind == 0:
        return data[: rnd.randrange(len(data))]
    if kind == 1:
        del lines[i : i + rnd.choice((1, 1, 2, 5))]
    elif kind == 2:
        lines.insert(i, lines[i])
    elif kind in (3, 4):
        nums = _numeric_lines(lines[:400]) if kind == 3 else _numeric_lines(lines)
        if nums:
            lines[rnd.choice(nums)] = rnd.choice(REPLACEMENTS)
    elif kind == 5:
        nums = _numeric_lines(lines[:300])
        if nums:
            lines[rnd.choice(nums)] = b"1000000000"
    elif kind == 6:
        lines[i] = lines[i] + rnd.choice((b"\x00", b"\xe9\xff", b" x"))
    elif kind == 7:
        text = b"\n".join(lines).decode("latin-1")
        return text.encode(rnd.choice(("utf-16", "utf-8-sig", "latin-1")), errors="replace")
    else:
        j = rnd.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return rnd.choice((b"\n", b"\r\n", b"\r")).join(lines)


def _check(spectra: list[Spectrum]) -> None:
    assert spectra
    for s in spectra:
        assert s.binding_energy.shape == s.intensity.shape
        assert np.all(np.isfinite(s.binding_energy))
        if not np.all(np.isfinite(s.intensity)):
            assert any("non-finite" in w for w in s.metadata["warnings"])


@pytest.fixture
def seeds(realdata: Path) -> list[bytes]:
    files = sorted(p for p in realdata.rglob("*") if p.suffix.lower() in (".vms", ".npl"))
    # small files first: the mutation count matters, not the bytes per mutation
    return [p.read_bytes() for p in sorted(files, key=lambda p: p.stat().st_size)[:12]]


def test_seeded_mutation_loop(seeds: list[bytes]) -> None:
    rnd = random.Random(14976)
    errors = ok = 0
    slowest = 0.0
    start = time.perf_counter()
    for k in range(N_MUTATIONS):
        data = _mutate(seeds[k % len(seeds)], rnd)
        t0 = time.perf_counter()
        try:
            spectra = parse_vamas_bytes(data, f"mutant-{k}.vms")
        except ParseError as exc:
            named = exc.file == f"mutant-{k}.vms"
            errors += 1 if named else 10 * N_MUTATIONS
        else:
            _check(spectra)
            ok += 1
        slowest = max(slowest, time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    assert ok + errors == N_MUTATIONS
    assert ok > 0
    assert errors > 0
    assert slowest < 2.0, f"slowest mutant took {slowest:.2f} s ({elapsed:.1f} s in all)"


def test_huge_counts_do_not_allocate(seeds: list[bytes]) -> None:
    rnd = random.Random(7)
    tracemalloc.start()
    try:
        for _ in range(100):
            lines = seeds[0].splitlines()
            nums = _numeric_lines(lines[:300])
            lines[rnd.choice(nums)] = b"1000000000"
            with contextlib.suppress(ParseError):
                parse_vamas_bytes(b"\n".join(lines), "huge")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20


@settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400), st.integers(min_value=0, max_value=60))
def test_arbitrary_bytes_after_a_valid_header(tail: bytes, cut: int) -> None:
    head = (
        b"VAMAS Surface Chemical Analysis Standard Data Transfer Format 1988 May 4\n"
        b"i\nm\no\ne\n0\nNORM\nREGULAR\n1\n0\n0\n0\n0\n0\n1\n"
    )
    try:
        spectra = parse_vamas_bytes(head[: len(head) - cut] + tail, "h.vms")
    except ParseError:
        return
    _check(spectra)


@settings(max_examples=200, deadline=2000)
@given(
    st.lists(
        st.sampled_from([b"1", b"-1", b"0", b"nan", b"XPS", b"", b"1e9", b"REGULAR"]), max_size=120
    )
)
def test_token_soup(tokens: list[bytes]) -> None:
    head = b"VAMAS Surface Chemical Analysis Standard Data Transfer Format\n"
    try:
        spectra = parse_vamas_bytes(head + b"\n".join(tokens), "soup.vms")
    except ParseError:
        return
    _check(spectra)
