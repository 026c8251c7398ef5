"""The CasaXPS comment lines themselves: ``CASA region``, ``CASA comp``, ``Calib``, line shapes.

Parsing and spelling only; :mod:`xpsfit.io.casa` maps them to and from
:class:`~xpsfit.spec.FitSpec`. See :mod:`xpsfit.io.casa` for the layout of the lines.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from xpsfit.errors import SpecError
from xpsfit.spec import Param

log = logging.getLogger(__name__)

_TEXT = re.compile(r"\(\*(.*?)\*?\)(?=\s|$)")
_CALIB = re.compile(r"^Calib\s+M\s*=\s*(\S+)\s+A\s*=\s*(\S+)\s+(BE|KE)\b", re.IGNORECASE)
_SHAPE = re.compile(r"^\s*([A-Za-z]+)\s*\(([^()]*)\)\s*(.*)$")
ID_BAD = re.compile(r"[^A-Za-z0-9_+\-.()]+")
#: CasaXPS line-shape name -> (xpsfit key, shape parameter names in CasaXPS order).
SHAPES: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "GL": ("gl", ("m",)),
    "SGL": ("sgl", ("m",)),
    "LA": ("la", ("alpha", "beta", "m")),
    "LF": ("lf", ("alpha", "beta", "w", "m", "c")),
}
_SHAPE_NAMES = {key: name for name, (key, _) in SHAPES.items()}


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


def parse_lineshape(text: str) -> tuple[str, dict[str, float]]:
    """Map a CasaXPS line shape (``GL(30)``, ``SGL(30)``, ``LA(1.53,243)``, ``LF(a,b,w,m)``).

    ``LA(a, m)`` is CasaXPS's symmetric short form of ``LA(a, a, m)``.

    Raises
    ------
    SpecError
        If the shape has no xpsfit equivalent.
    """
    m = _SHAPE.match(text)
    if m is None or m.group(1).upper() not in SHAPES:
        raise SpecError(f"CasaXPS line shape {text!r} has no xpsfit equivalent", key="lineshape")
    if m.group(3).strip():
        log.warning("CasaXPS line-shape modifier %r of %r ignored", m.group(3), text)
    key, names = SHAPES[m.group(1).upper()]
    try:
        args = [float(a) for a in m.group(2).split(",") if a.strip()]
    except ValueError:
        raise SpecError(f"unreadable line-shape arguments in {text!r}", key="lineshape") from None
    if key == "la" and len(args) == 2:
        args = [args[0], args[0], args[1]]
    if not args or len(args) > len(names):
        raise SpecError(f"wrong number of arguments in {text!r}", key="lineshape")
    return key, dict(zip(names, args, strict=False))


def format_lineshape(key: str, shape: Mapping[str, Param]) -> str:
    """The CasaXPS spelling of an xpsfit line shape, e.g. ``("gl", {"m": 30}) -> "GL(30)"``.

    Raises
    ------
    SpecError
        If CasaXPS has no such line shape.
    """
    if key not in _SHAPE_NAMES:
        raise SpecError(f"line shape {key!r} cannot be written for CasaXPS", key="lineshape")
    names = SHAPES[_SHAPE_NAMES[key]][1]
    args = [repr(float(shape[n].value)) for n in names if n in shape]
    return f"{_SHAPE_NAMES[key]}({','.join(args)})"


#: Bounds at or beyond this magnitude stand for "unbounded" in written CasaXPS lines.
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
