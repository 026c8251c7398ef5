"""Fixtures of the core tests: a German locale for locale-independence checks, synthetic S 2p
spectra for the command-line tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from xpsfit.lineshapes import evaluate
from xpsfit.spectrum import Spectrum

GERMAN = "de_DE.UTF-8"
LOCALE_SOURCES = Path("/usr/share/i18n/locales/de_DE")
_CHECK = "import locale; locale.setlocale(locale.LC_ALL, ''); print(locale.localeconv()['decimal_point'])"


def _decimal_point(extra: dict[str, str]) -> str | None:
    """The decimal point a Python subprocess sees with ``extra`` in its environment, or
    ``None`` when it cannot set that locale."""
    env = {**os.environ, **extra}
    done = subprocess.run(
        [sys.executable, "-c", _CHECK], env=env, capture_output=True, text=True, timeout=60
    )
    return done.stdout.strip() if done.returncode == 0 else None


@pytest.fixture(scope="session")
def german_locale(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment variables that put a subprocess in the de_DE.UTF-8 locale (decimal comma).

    Uses the installed locale when there is one; otherwise compiles it with ``localedef``
    into a temporary folder given to glibc through ``LOCPATH`` (no root needed). Skips when
    neither the locale nor ``localedef`` and its de_DE sources are available.
    """
    installed = {"LC_ALL": GERMAN, "LANG": GERMAN}
    if _decimal_point(installed) == ",":
        return installed
    localedef = shutil.which("localedef")
    if localedef is None or not LOCALE_SOURCES.is_file():
        pytest.skip(
            f"{GERMAN} is not installed and cannot be compiled: needs localedef and "
            f"{LOCALE_SOURCES} (glibc locale sources)"
        )
    folder = tmp_path_factory.mktemp("locales")
    done = subprocess.run(
        [localedef, "-i", "de_DE", "-f", "UTF-8", str(folder / GERMAN)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    env = {**installed, "LOCPATH": str(folder)}
    point = _decimal_point(env)
    if point != ",":
        pytest.fail(
            f"localedef did not give a usable {GERMAN} (exit {done.returncode}, decimal point "
            f"{point!r}): {done.stderr.strip()}"
        )
    return env


S2P_LINES = ((161.0, 8000.0), (162.9, 3000.0))  # PS4 and S-S 2p3/2: eV, counts x eV


@pytest.fixture
def s2p_spectrum() -> Callable[..., Spectrum]:
    """Makes a synthetic S 2p spectrum (PS4 and S-S doublets on 200 counts, Poisson noise):
    ``make(rng, block, subtract=0.0, **metadata)``; ``subtract`` is taken off every channel
    (a background-subtracted export goes below zero)."""

    def make(
        rng: np.random.Generator, block: str, subtract: float = 0.0, **metadata: Any
    ) -> Spectrum:
        be = np.linspace(157.0, 168.0, 221)
        y = np.full_like(be, 200.0)
        for center, area in S2P_LINES:
            y += evaluate("gl", be, area, center, 0.9, m=30.0)
            y += evaluate("gl", be, area * 0.5, center + 1.18, 0.9, m=30.0)
        return Spectrum(
            binding_energy=be,
            intensity=rng.poisson(y).astype(float) - subtract,
            region="S 2p",
            block=block,
            source_label="Al Ka",
            source_energy=1486.6,
            **metadata,
        )

    return make
