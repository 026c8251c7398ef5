"""The file header of a VAMAS (ISO 14976) file and the layout of a block's parameters.

Constants (experiment modes, techniques), the experiment header, the parameter groups a block
holds in order (with the inclusion-list index and the condition for each) and the abscissa of
a REGULAR scan. :mod:`xpsfit.io.vamas` reads the blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from xpsfit.io.textlines import LineCursor

IDENTIFIER = "VAMAS Surface Chemical Analysis Standard Data Transfer Format"
EXPERIMENT_MODES = ("MAP", "MAPDP", "MAPSV", "MAPSVDP", "NORM", "SDP", "SDPSV", "SEM", "NOEXP")
SCAN_MODES = ("REGULAR", "IRREGULAR")
TECHNIQUES = (
    "AES diff", "AES dir", "EDX", "ELS", "FABMS", "FABMS energy spec", "ISS", "SIMS",
    "SIMS energy spec", "SNMS", "SNMS energy spec", "UPS", "XPS", "XRF",
)  # fmt: skip
TECH_BY_UPPER = {t.upper(): t for t in TECHNIQUES}
_ION_TECHNIQUES = {"FABMS", "FABMS energy spec", "ISS", "SIMS", "SIMS energy spec", "SNMS",
                   "SNMS energy spec"}  # fmt: skip
_ELECTRON_TECHNIQUES = {"AES diff", "AES dir", "EDX", "ELS", "UPS", "XPS", "XRF"}
#: Magnitude from which a number counts as "not recorded" (VAMAS files write 1E37).
HUGE = 1e36
#: Number of block parameter groups the inclusion list refers to.
N_GROUPS = 40
#: Largest number of corresponding variables accepted.
MAX_CORRESPONDING = 64


@dataclass(frozen=True)
class VamasHeader:
    """The experiment header of a VAMAS file (everything before the first block)."""

    institution: str
    instrument: str
    operator: str
    experiment: str
    comment: tuple[str, ...]
    experiment_mode: str
    scan_mode: str
    variables: tuple[tuple[str, str], ...]
    included: tuple[bool, ...]
    n_future_block: int
    n_blocks: int
    extra: tuple[tuple[str, str], ...] = ()


def _mode_in(*modes: str) -> Callable[[str, str], bool]:
    return lambda mode, tech: mode in modes


def _always(mode: str, tech: str) -> bool:
    return True


def _sputter_ion(mode: str, tech: str) -> bool:
    return mode in ("MAPDP", "MAPSVDP", "SDP", "SDPSV") or tech in _ION_TECHNIQUES


def _sputter_source(mode: str, tech: str) -> bool:
    return mode in ("MAPDP", "MAPSVDP", "SDP", "SDPSV") and tech in _ELECTRON_TECHNIQUES


#: Scalar parameter groups of a block: (inclusion-list index, field names, condition).
SCALAR_GROUPS: tuple[tuple[int, tuple[str, ...], Callable[[str, str], bool]], ...] = (
    (0, ("year",), _always), (1, ("month",), _always), (2, ("day",), _always),
    (3, ("hour",), _always), (4, ("minute",), _always), (5, ("second",), _always),
    (6, ("gmt_offset",), _always),
    (9, ("x", "y"), _mode_in("MAP", "MAPDP")),
    (11, ("source_label",), _always),
    (12, ("sputter_atomic_number", "sputter_atoms", "sputter_charge"), _sputter_ion),
    (13, ("source_energy",), _always), (14, ("source_strength",), _always),
    (15, ("beam_width_x", "beam_width_y"), _always),
    (16, ("field_of_view_x", "field_of_view_y"),
     _mode_in("MAP", "MAPDP", "MAPSV", "MAPSVDP", "SEM")),
    (17, ("linescan_start_x", "linescan_start_y", "linescan_finish_x", "linescan_finish_y",
          "last_linescan_finish_x", "last_linescan_finish_y"),
     _mode_in("MAPSV", "MAPSVDP", "SEM")),
    (18, ("source_polar_angle",), _always), (19, ("source_azimuth",), _always),
    (20, ("analyser_mode",), _always), (21, ("pass_energy",), _always),
    (22, ("differential_width",), lambda mode, tech: tech == "AES diff"),
    (23, ("magnification",), _always), (24, ("work_function",), _always),
    (25, ("target_bias",), _always),
    (26, ("analysis_width_x", "analysis_width_y"), _always),
    (27, ("take_off_polar_angle", "take_off_azimuth"), _always),
    (28, ("species",), _always),
    (29, ("transition", "charge"), _always),
    (32, ("signal_mode",), _always), (33, ("collection_time",), _always),
    (34, ("scans",), _always), (35, ("time_correction",), _always),
    (36, ("sputter_energy", "sputter_current", "sputter_width_x", "sputter_width_y",
          "sputter_polar_angle", "sputter_azimuth", "sputter_mode"), _sputter_source),
    (37, ("tilt_polar_angle", "tilt_azimuth"), _always),
    (38, ("rotation",), _always),
)  # fmt: skip


def regular_axis(start: float, step: float, n: int) -> NDArray[np.float64]:
    """The abscissa of a REGULAR block: ``start + step * i`` for ``i = 0 .. n-1``.

    The writer uses the same function to decide whether an axis is exactly regular.
    """
    return np.float64(start) + np.float64(step) * np.arange(n, dtype=np.float64)


def find_identifier(lines: Sequence[str]) -> int:
    """Index of the identifier line (the first non-blank line), or -1 if it is not VAMAS."""
    for i, line in enumerate(lines[:50]):
        text = line.strip()
        if not text:
            continue
        return i if text.upper().startswith(IDENTIFIER.upper()) else -1
    return -1


def read_header(cur: LineCursor) -> VamasHeader:
    names = ("institution", "instrument", "operator", "experiment")
    ident = [cur.text(name) for name in names]
    comment = tuple(cur.skip(cur.count("number of comment lines"), "experiment comment"))
    mode = cur.text("experiment mode").upper()
    if mode not in EXPERIMENT_MODES:
        raise cur.error(f"unknown experiment mode {mode[:20]!r}", "experiment mode")
    scan = cur.text("scan mode").upper()
    if scan not in SCAN_MODES:
        raise cur.error(f"unsupported scan mode {scan[:20]!r}", "scan mode")
    extra: list[tuple[str, str]] = []
    if mode in ("MAP", "MAPDP", "NORM", "SDP"):
        extra.append(("spectral_regions", cur.text("number of spectral regions")))
    if mode in ("MAP", "MAPDP"):
        for name in ("analysis_positions", "discrete_x", "discrete_y"):
            extra.append((name, cur.text(f"number of {name.replace('_', ' ')}")))
    n_var = cur.count("number of experimental variables", per_item=2)
    variables = tuple((cur.text("variable label"), cur.text("variable unit")) for _ in range(n_var))
    included = _inclusion_list(cur)
    cur.skip(cur.count("number of manually entered items"), "manually entered items")
    n_future_exp = cur.count("number of future upgrade experiment entries")
    n_future_block = cur.count("number of future upgrade block entries")
    cur.skip(n_future_exp, "future upgrade experiment entries")
    n_blocks = cur.integer("number of blocks", minimum=0)
    return VamasHeader(
        institution=ident[0],
        instrument=ident[1],
        operator=ident[2],
        experiment=ident[3],
        comment=comment,
        experiment_mode=mode,
        scan_mode=scan,
        variables=variables,
        included=included,
        n_future_block=n_future_block,
        n_blocks=n_blocks,
        extra=tuple(extra),
    )


def _inclusion_list(cur: LineCursor) -> tuple[bool, ...]:
    """Read the parameter inclusion (d > 0) or exclusion (d < 0) list."""
    d = cur.integer("number of entries in parameter inclusion or exclusion list")
    if abs(d) > min(N_GROUPS, cur.remaining):
        raise cur.error(f"{d} entries in the inclusion list (at most {N_GROUPS})", "inclusion list")
    flags = [d <= 0] * N_GROUPS
    for _ in range(abs(d)):
        idx = cur.integer("inclusion list entry", minimum=1, maximum=N_GROUPS)
        flags[idx - 1] = d > 0
    return tuple(flags)
