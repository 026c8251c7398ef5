"""The CasaXPS comment lines themselves: ``CASA region``, ``CASA comp``, ``Calib``, line shapes.

Parsing and spelling only; :mod:`xpsfit.io.casa` maps them to and from
:class:`~xpsfit.spec.FitSpec`. See :mod:`xpsfit.io.casa` for the layout of the lines.

Line shapes are converted by :mod:`xpsfit.casa_shapes` (CasaXPS's width field F is not always
our ``fwhm``). Shapes CasaXPS lacks are written as the nearest CasaXPS shape: a pseudo-Voigt is
exactly an ``SGL`` (equal-area mixing re-expressed as equal-height mixing), a Voigt becomes the
``SGL`` of the same FWHM closest to it (within 0.7 % of the peak height, see
:func:`sgl_share_of_voigt`); a Doniach-Sunjic line has no CasaXPS equivalent here.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from xpsfit.casa_shapes import casa_to_lineshape, lineshape_to_casa
from xpsfit.errors import SpecError
from xpsfit.lineshapes import sgl, voigt

log = logging.getLogger(__name__)

_TEXT = re.compile(r"\(\*(.*?)\*?\)(?=\s|$)")
_CALIB = re.compile(r"^Calib\s+M\s*=\s*(\S+)\s+A\s*=\s*(\S+)\s+(BE|KE)\b", re.IGNORECASE)
_SHAPE = re.compile(r"^\s*([A-Za-z]+\s*\([^()]*\))\s*(.*)$")
ID_BAD = re.compile(r"[^A-Za-z0-9_+\-.()]+")
_GAUSS_PEAK = 2.0 * math.sqrt(math.log(2.0) / math.pi)  # peak of a unit-area Gaussian, FWHM 1
_LORENTZ_PEAK = 2.0 / math.pi  # peak of a unit-area Lorentzian, FWHM 1
_VOIGT_FIT_REACH, _VOIGT_FIT_POINTS = 6.0, 1201  # comparison grid: +/- 6 FWHM


def is_casa_line(line: str) -> bool:
    """True for ``CASA region``, ``CASA comp`` and ``Calib`` comment lines."""
    low = line.lstrip().lower()
    return low.startswith(("casa region", "casa comp", "calib "))


def calibration_shift(lines: Sequence[str]) -> float:
    """Total binding-energy shift (eV) of the stacked ``Calib`` lines: sum of ``A - M``.

    A ``KE`` calibration shifts kinetic energy, i.e. binding energy by ``-(A - M)``. Lines
    whose numbers are unreadable are skipped (and logged).
    """
    total = 0.0
    for line in lines:
        m = _CALIB.match(line.strip())
        if m is None:
            continue
        try:
            measured, actual = float(m.group(1)), float(m.group(2))
        except ValueError:
            log.warning("unreadable CasaXPS calibration line %r", line)
            continue
        if math.isfinite(measured) and math.isfinite(actual):
            delta = actual - measured
            total += delta if m.group(3).upper() == "BE" else -delta
    return total


@dataclass(frozen=True)
class CasaParam:
    """One ``value min max link factor`` group of a ``CASA comp`` line (energies in KE, eV)."""

    value: float
    min: float
    max: float
    link: int
    factor: float


@dataclass(frozen=True)
class CasaComponent:
    """A parsed ``CASA comp`` line."""

    name: str
    lineshape: str
    area: CasaParam
    fwhm: CasaParam
    position: CasaParam


@dataclass(frozen=True)
class CasaRegion:
    """A parsed ``CASA region`` line (limits in kinetic energy, eV)."""

    name: str
    background: str
    start: float
    end: float
    rsf: float
    average_width: float
    start_offset: float
    end_offset: float
    cross_section: tuple[float, ...]


def _texts(line: str) -> tuple[list[str], str]:
    """The ``(*...*)`` strings of a line and the line with them replaced by markers."""
    texts: list[str] = []

    def keep(m: re.Match[str]) -> str:
        texts.append(m.group(1))
        return f" \x01{len(texts) - 1} "

    return texts, _TEXT.sub(keep, line)


def parse_region(line: str) -> CasaRegion:
    """Parse a ``CASA region`` line.

    Raises
    ------
    SpecError
        If the line does not have the CasaXPS layout.
    """
    texts, rest = _texts(line)
    tokens = rest.split()
    nums = _leading_numbers(tokens[tokens.index("\x011") + 1 :]) if "\x011" in tokens else []
    if len(texts) < 2 or len(nums) < 6:
        raise SpecError(f"unreadable CASA region line: {line[:80]!r}", key="CASA region")
    start, end, rsf, width, start_offset, end_offset = nums[:6]
    return CasaRegion(
        texts[0], texts[1], start, end, rsf, width, start_offset, end_offset, tuple(nums[6:10])
    )


def stored_rsf(lines: Sequence[str]) -> float | None:
    """The relative sensitivity factor CasaXPS stored for a block: the RSF of its first
    ``CASA region`` line, else of its first ``CASA comp`` line (``RSF`` field); ``None`` when
    there is none, or it is not a positive number, or the line is unreadable."""
    for line in lines:
        if line.lstrip().lower().startswith("casa region"):
            try:
                rsf = parse_region(line).rsf
            except SpecError:
                return None
            return rsf if math.isfinite(rsf) and rsf > 0 else None
    for line in lines:
        if line.lstrip().lower().startswith("casa comp"):
            tokens = _texts(line)[1].split()
            if "RSF" in tokens and tokens.index("RSF") + 1 < len(tokens):
                value = _leading_numbers(tokens[tokens.index("RSF") + 1 :][:1])
                return value[0] if value and math.isfinite(value[0]) and value[0] > 0 else None
            return None
    return None


def _leading_numbers(tokens: Sequence[str]) -> list[float]:
    out: list[float] = []
    for tok in tokens:
        try:
            out.append(float(tok))
        except ValueError:
            break
    return out


def parse_component(line: str) -> CasaComponent:
    """Parse a ``CASA comp`` line (new and old CasaXPS syntax).

    Raises
    ------
    SpecError
        If the line lacks ``Area``, ``MFWHM`` or ``Position`` groups of five numbers.
    """
    texts, rest = _texts(line)
    tokens = rest.split()
    groups: dict[str, CasaParam] = {}
    for key in ("Area", "MFWHM", "Position"):
        try:
            i = tokens.index(key)
            v = [float(t) for t in tokens[i + 1 : i + 6]]
            groups[key] = CasaParam(v[0], v[1], v[2], int(v[3]), v[4])
        except (ValueError, IndexError, OverflowError):
            raise SpecError(
                f"CASA comp line without a readable {key} group: {line[:80]!r}", key="CASA comp"
            ) from None
    if len(texts) < 2:
        raise SpecError(f"CASA comp line without name and shape: {line[:80]!r}", key="CASA comp")
    return CasaComponent(texts[0], texts[1], groups["Area"], groups["MFWHM"], groups["Position"])


def parse_lineshape(text: str, casa_fwhm: float) -> tuple[str, float, dict[str, float]]:
    """Convert a CasaXPS line shape and width field to an xpsfit line shape.

    ``GL(m)``, ``SGL(m)``, ``LA(...)`` and ``LF(...)`` are converted by
    :func:`xpsfit.casa_shapes.casa_to_lineshape`; a modifier after the shape (``GL(30)T(2)``,
    ``LA(1.53,243)*z``) is ignored with a logged warning.

    Parameters
    ----------
    text
        The CasaXPS line-shape string.
    casa_fwhm
        The component's CasaXPS width field F ("MFWHM", eV), > 0.

    Returns
    -------
    tuple
        ``(key, fwhm, shape)``: line-shape key, the shape's ``fwhm`` argument (eV) and its
        shape parameters by name.

    Raises
    ------
    SpecError
        If the shape has no xpsfit equivalent, is malformed, or F is not > 0.
    """
    m = _SHAPE.match(text)
    if m is None:
        raise SpecError(f"CasaXPS line shape {text!r} has no xpsfit equivalent", key="lineshape")
    if m.group(2).strip():
        log.warning("CasaXPS line-shape modifier %r of %r ignored", m.group(2), text)
    try:
        return casa_to_lineshape(m.group(1), casa_fwhm)
    except SpecError as err:
        raise SpecError(err.message, key="lineshape") from None


def sgl_share_of_pseudo_voigt(m: float) -> float:
    """Lorentzian percentage of the SGL that equals a pseudo-Voigt of the same FWHM.

    The pseudo-Voigt mixes unit-AREA profiles with Lorentzian fraction ``m/100``; SGL mixes
    unit-HEIGHT profiles, so the share is re-weighted by the peak heights ``2/pi`` (Lorentzian)
    and ``2 sqrt(ln2/pi)`` (Gaussian) of unit-area, unit-FWHM profiles. The curves are equal.

    Parameters
    ----------
    m
        Pseudo-Voigt Lorentzian fraction in percent (clipped to 0..100).

    Returns
    -------
    float
        SGL Lorentzian percentage, 0..100.
    """
    eta = min(max(m / 100.0, 0.0), 1.0)
    lorentz = eta * _LORENTZ_PEAK
    return 100.0 * lorentz / ((1.0 - eta) * _GAUSS_PEAK + lorentz)


def sgl_share_of_voigt(m: float) -> float:
    """Lorentzian percentage of the SGL closest to a Voigt of the same FWHM and area.

    Least squares over +/- 6 FWHM of the unit-area curves. The largest difference is 0.66 % of
    the peak height (at ``m = 50``), 0.55 % at ``m = 30``, 0 for the pure Gaussian and
    Lorentzian.

    Parameters
    ----------
    m
        Voigt Lorentzian share of the widths in percent (see :func:`xpsfit.lineshapes.voigt`).

    Returns
    -------
    float
        SGL Lorentzian percentage, 0..100.
    """
    u = np.linspace(-_VOIGT_FIT_REACH, _VOIGT_FIT_REACH, _VOIGT_FIT_POINTS)
    target = voigt(u, 1.0, 0.0, 1.0, min(max(m, 0.0), 100.0))

    def misfit(share: float) -> float:
        return float(np.sum((sgl(u, 1.0, 0.0, 1.0, share) - target) ** 2))

    res = minimize_scalar(misfit, bounds=(0.0, 100.0), method="bounded", options={"xatol": 1e-6})
    return min((0.0, 100.0, float(res.x)), key=misfit)


def _casa_compatible(
    key: str, shape: Mapping[str, float], component: str
) -> tuple[str, dict[str, float]]:
    """``(key, shape)`` of a line shape CasaXPS can hold (pseudo-Voigt and Voigt become SGL)."""
    values = dict(shape)
    if key == "pseudo_voigt":
        share = sgl_share_of_pseudo_voigt(values.get("m", 50.0))
        log.info("%s: pseudo-Voigt written as the identical CasaXPS SGL(%.6g)", component, share)
        return "sgl", {"m": share}
    if key == "voigt":
        share = sgl_share_of_voigt(values.get("m", 30.0))
        log.warning(
            "%s: CasaXPS has no Voigt; written as SGL(%.6g) of the same FWHM and area "
            "(within 0.7 %% of the peak height); it reads back as an 'sgl' component",
            component, share,
        )  # fmt: skip
        return "sgl", {"m": share}
    return key, values


def format_lineshape(
    key: str, fwhm: float, shape: Mapping[str, float], *, component: str = "component"
) -> tuple[str, float]:
    """The CasaXPS line-shape string and width field F of an xpsfit line shape.

    Converted by :func:`xpsfit.casa_shapes.lineshape_to_casa`; a pseudo-Voigt or Voigt is
    written as an SGL (see the module notes; a Voigt with a logged warning). F is chosen so
    that reading the written string back with :func:`parse_lineshape` returns ``fwhm`` to
    rounding error, even where the string rounds a shape parameter to 6 digits.

    Parameters
    ----------
    key
        Line-shape key.
    fwhm
        The shape's ``fwhm`` argument (eV), > 0.
    shape
        Shape parameters by name (omitted ones take their defaults).
    component
        Component id, for messages.

    Returns
    -------
    tuple
        ``(text, F)``: e.g. ``("GL(30)", 1.04)``; F in eV.

    Raises
    ------
    SpecError
        If CasaXPS has no such line shape (Doniach-Sunjic) or a parameter is invalid.
    """
    casa_key, values = _casa_compatible(key, shape, component)
    try:
        text, casa_fwhm = lineshape_to_casa(casa_key, fwhm, values)
    except SpecError as err:
        raise SpecError(f"component {component!r}: {err.message}", key="lineshape") from None
    read_back = casa_to_lineshape(text, casa_fwhm)[1]
    return text, casa_fwhm * fwhm / read_back


#: Bounds at or beyond this magnitude stand for "unbounded" in written CasaXPS lines.
CASA_INFINITY = 1e30


class BeMap:
    """Kinetic -> binding energy on the spectrum's axis: ``BE = h nu - KE + offset`` (eV)."""

    def __init__(self, source_energy: float, offset: float) -> None:
        self.source_energy = source_energy
        self.offset = offset

    def __call__(self, kinetic: float) -> float:
        return self.source_energy - kinetic + self.offset

    def kinetic(self, binding: float) -> float:
        """Inverse map, eV."""
        return self.source_energy + self.offset - binding
