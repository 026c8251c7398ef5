"""CasaXPS processing stored in VAMAS block comments, to and from :class:`~xpsfit.spec.FitSpec`.

CasaXPS keeps its quantification regions, fit components and energy calibration as comment
lines of the block::

    Calib M = 281.1700 A = 284.8 BE ADD
    CASA region (*Fe 2p*) (*U 3 Tougaard*) 737.52 786.76 16.42 2 0 0 335.4 551 436 3 (*Fe 2p*) ...
    CASA comp (*Fe 2p*) (*GL(30)*) Area 63507 1e-020 6383903 -1 1 MFWHM 3.86 1.07 26.75 -1 1
        Position 777.56 738.01 782.60 -1 1 RSF 16.42 MASS 55.85 INDEX 0 (*Fe 2p*) CONST (**) ...

Each ``Area``/``MFWHM``/``Position`` is ``value min max link factor``: ``link`` is the 0-based
index of another component (-1: none); a linked area or FWHM is ``factor`` times the other's,
a linked position is the other's plus ``factor``. Region limits and positions are KINETIC
energies on the calibrated scale, so ``BE = h nu - KE``; ``Calib`` lines stack (the total
binding-energy shift is the sum of their ``A - M``). Older CasaXPS versions omit the
``CONST``/``UNCORRECTEDRSF`` fields; both forms are read.

Widths: CasaXPS's width field F ("MFWHM") is not always our ``fwhm`` (for ``GL(m)`` it is the
product's width parameter, for LA/LF it sets the Lorentzian and Gaussian widths together; see
:mod:`xpsfit.casa_shapes`). For each component ``fwhm = s F`` with a factor ``s`` set by its line
shape, so the value and the bounds scale by ``s``. A width link ``F_i = k F_j`` becomes the ratio
``k s_i / s_j``: the same number when both components share a line shape, converted exactly
otherwise. CasaXPS does not vary line-shape parameters, so they are read as fixed parameters.
Line shapes CasaXPS lacks are written as the nearest CasaXPS shape (see
:mod:`xpsfit.io.casa_lines`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

from xpsfit.background_kernels import tougaard_defaults, tougaard_form
from xpsfit.errors import SpecError
from xpsfit.io.casa_lines import (
    CASA_INFINITY,
    ID_BAD,
    BeMap,
    CasaComponent,
    CasaParam,
    CasaRegion,
    calibration_shift,
    format_lineshape,
    is_casa_line,
    parse_component,
    parse_lineshape,
    parse_region,
)
from xpsfit.spec import BackgroundSpec, Doublet, FitSpec, Link, Param, Peak
from xpsfit.spectrum import Spectrum

log = logging.getLogger(__name__)

__all__ = [
    "BeMap", "CasaComponent", "CasaParam", "CasaRegion", "calibration_shift", "counts_per_cps",
    "fit_spec_from_spectrum", "format_casa_lines", "format_lineshape", "is_casa_line",
    "parse_component", "parse_lineshape", "parse_region", "spec_from_casa_lines",
]  # fmt: skip

_BACKGROUNDS: Mapping[str, tuple[str, str | None]] = {
    "shirley": ("shirley", None),
    "linear": ("linear", None),
    "u 3 tougaard": ("tougaard", "U3"),
    "u 2 tougaard": ("tougaard", "U2"),
}


def _unique_ids(names: Sequence[str]) -> tuple[list[str], list[str]]:
    """Valid, unique component ids and species ids from CasaXPS component names."""
    species = [ID_BAD.sub("_", n.strip()).strip("_") or "comp" for n in names]
    ids: list[str] = []
    for sp in species:
        cid, k = sp, 2
        while cid in ids:
            cid, k = f"{sp}-{k}", k + 1
        ids.append(cid)
    return ids, species


def _bound(value: float) -> float:
    return math.copysign(math.inf, value) if abs(value) >= CASA_INFINITY else value


def _param(
    cp: CasaParam,
    ids: Sequence[str],
    index: int,
    be: BeMap | None,
    scales: Sequence[float] | None = None,
) -> Param:
    """A CasaXPS parameter group as a Param.

    ``be`` converts kinetic to binding energy (positions; links are offsets); otherwise links
    are ratios and ``scales`` (widths) holds each component's ``fwhm / F``.
    """
    own = 1.0 if scales is None else scales[index]
    if cp.link >= 0:
        if cp.link >= len(ids) or cp.link == index:
            raise SpecError(f"component {ids[index]!r} links to component #{cp.link}", key="link")
        if be is not None:
            return Param(be(cp.value), link=Link(ids[cp.link], "offset", -cp.factor))
        ratio = cp.factor * own / (1.0 if scales is None else scales[cp.link])
        return Param(cp.value * own, link=Link(ids[cp.link], "ratio", ratio))
    if be is None:
        lo, hi, value = _bound(cp.min) * own, _bound(cp.max) * own, cp.value * own
    else:
        lo, hi, value = be(_bound(cp.max)), be(_bound(cp.min)), be(cp.value)
    if cp.min == cp.max:
        return Param(value, vary=False)
    return Param(value, min(lo, hi), max(lo, hi))


def _background(region: CasaRegion) -> BackgroundSpec:
    kind, form = _BACKGROUNDS.get(region.background.strip().lower(), ("", None))
    if not kind:
        raise SpecError(
            f"CasaXPS background {region.background!r} has no xpsfit equivalent", key="background"
        )
    options: dict[str, object] = {
        "casa_cross_section": region.cross_section,
        "convention": "casaxps",  # tie points and Shirley sums as CasaXPS makes them
    }
    if region.start_offset or region.end_offset:
        options["casa_offsets_percent"] = (region.start_offset, region.end_offset)
    params: dict[str, Param] = {}
    if form is not None:
        # CasaXPS computes a Tougaard region from the data (static), its B meeting the high-BE
        # tie point; a U3 cross-section's fourth number is the gap below which nothing is lost
        options["tougaard_form"] = form
        cross = region.cross_section
        names = ("C", "D") if form == "U3" else ("C",)
        params = {n: Param(v, vary=False) for n, v in zip(names, cross[1:], strict=False)}
        if form == "U3" and len(cross) > 3 and math.isfinite(cross[3]) and cross[3] > 0:
            options["tougaard_gap"] = float(cross[3])
    width = max(0, round(region.average_width)) if math.isfinite(region.average_width) else 1
    return BackgroundSpec(kind, average_points=width, params=params, options=options)  # type: ignore[arg-type]


def _lineshape(c: CasaComponent) -> tuple[str, float, dict[str, float]]:
    """``(key, fwhm / F, shape)`` of a CasaXPS component."""
    try:
        key, fwhm, shape = parse_lineshape(c.lineshape, c.fwhm.value)
    except SpecError as err:
        raise SpecError(f"CasaXPS component {c.name!r}: {err.message}", key="lineshape") from None
    return key, fwhm / c.fwhm.value, shape


def counts_per_cps(spectrum: Spectrum) -> float:
    """What CasaXPS divides a spectrum's counts by to show counts per second (CPS), and so the
    factor between its component areas (CPS x eV) and the spectrum's: dwell time (s) x scans,
    1 when either is unknown. Checked on CasaXPS's stored fits: a refit Si 2p area is 5.00x
    the stored one for 0.2 s x 25 scans, FeO's 2.03x for 2 s x 1 scan."""
    dwell, scans = spectrum.dwell_time, spectrum.scans
    if dwell is None or scans is None or not (dwell > 0 and scans > 0):
        return 1.0
    factor = float(dwell) * float(scans)
    return factor if math.isfinite(factor) else 1.0


def spec_from_casa_lines(
    lines: Sequence[str], source_energy: float, offset: float = 0.0, area_scale: float = 1.0
) -> FitSpec | None:
    """Build a FitSpec from CasaXPS comment lines.

    Parameters
    ----------
    lines
        The comment lines (other lines are ignored).
    source_energy
        Photon energy of the block, eV; CasaXPS positions are kinetic energies.
    offset
        Binding-energy shift of the spectrum's axis relative to CasaXPS's calibrated scale, eV.
    area_scale
        Spectrum intensity per CasaXPS intensity (:func:`counts_per_cps`): areas and their
        bounds are multiplied by it.

    Returns
    -------
    FitSpec or None
        ``None`` when there is neither a region nor a component line.

    Raises
    ------
    SpecError
        If a line is malformed, names an unknown line shape or background, or the block has no
        source energy to convert kinetic energies with.
    """
    regions = [parse_region(x) for x in lines if x.lstrip().lower().startswith("casa region")]
    comps = [parse_component(x) for x in lines if x.lstrip().lower().startswith("casa comp")]
    if not regions and not comps:
        return None
    if not source_energy > 0:
        raise SpecError("CasaXPS positions are kinetic energies but the source energy is 0")
    be = BeMap(source_energy, offset)
    if len(regions) > 1:
        log.warning("%d CasaXPS regions in one block: the first one is used", len(regions))
    ids, species = _unique_ids([c.name for c in comps])
    shapes = [_lineshape(c) for c in comps]
    scales = [scale for _, scale, _ in shapes]
    peaks = []
    for i, (c, (key, _, shape)) in enumerate(zip(comps, shapes, strict=True)):
        peaks.append(
            Peak(
                id=ids[i], lineshape=key, species=species[i], label=c.name,
                center=_param(c.position, ids, i, be),
                fwhm=_param(c.fwhm, ids, i, None, scales),
                area=_param(c.area, ids, i, None, [area_scale] * len(comps)),
                shape={k: Param(v, vary=False) for k, v in shape.items()},
            )
        )  # fmt: skip
    if not regions:
        return FitSpec(components=tuple(peaks))
    r = regions[0]
    return FitSpec(
        region=r.name, window=(be(r.end), be(r.start)), background=_background(r),
        components=tuple(peaks),
    )  # fmt: skip


def fit_spec_from_spectrum(spectrum: Spectrum) -> FitSpec | None:
    """The CasaXPS fit stored with a spectrum read from VAMAS, as a FitSpec (binding energies).

    Uses ``metadata["casa_lines"]`` and the spectrum's source energy; shifts applied after
    CasaXPS's calibration (``metadata["charge_shift"]`` minus
    ``metadata["casa_calibration_shift"]``) move the positions with the axis. The spec takes
    the spectrum's region when it has one (CasaXPS's region name is a free label, often
    "None"), and its areas are in the spectrum's intensity units (:func:`counts_per_cps`).

    Returns
    -------
    FitSpec or None
        ``None`` when the spectrum carries no CasaXPS region or component.

    Raises
    ------
    SpecError
        See :func:`spec_from_casa_lines`.
    """
    lines = tuple(str(x) for x in spectrum.metadata.get("casa_lines", ()))
    meta = spectrum.metadata
    offset = float(meta.get("charge_shift", 0.0)) - float(meta.get("casa_calibration_shift", 0.0))
    spec = spec_from_casa_lines(lines, spectrum.source_energy, offset, counts_per_cps(spectrum))
    if spec is None or not spectrum.region:
        return spec
    return replace(spec, region=spectrum.region)


def _num(value: float) -> str:
    if math.isinf(value):
        return repr(math.copysign(CASA_INFINITY, value))
    return repr(float(value))


def _expand(spec: FitSpec) -> list[Peak]:
    """Peaks with every doublet written as its major and minor line (linked)."""
    out: list[Peak] = []
    for comp in spec.components:
        if not isinstance(comp, Doublet):
            out.append(comp)
            continue
        major = Peak(comp.id, comp.lineshape, comp.center, comp.fwhm, comp.area, comp.shape,
                     comp.species, label=comp.label)  # fmt: skip
        minor = Peak(
            f"{comp.id}-minor", comp.lineshape,
            Param(comp.center.value + comp.splitting.value,
                  link=Link(comp.id, "offset", comp.splitting.value)),
            Param(comp.fwhm.value * comp.fwhm_ratio.value,
                  link=Link(comp.id, "ratio", comp.fwhm_ratio.value)),
            Param(comp.area.value * comp.area_ratio.value,
                  link=Link(comp.id, "ratio", comp.area_ratio.value)),
            comp.shape, comp.species, label=comp.minor_label,
        )  # fmt: skip
        if any(p.is_free for p in (comp.splitting, comp.area_ratio, comp.fwhm_ratio)):
            log.warning(
                "doublet %s: CasaXPS links are fixed; free ratios are written fixed", comp.id
            )
        out.extend((major, minor))
    return out


def _group(
    name: str,
    par: Param,
    ids: Sequence[str],
    index: int,
    be: BeMap | None,
    scales: Sequence[float] | None = None,
) -> str:
    """``Name value min max link factor`` for one parameter of component ``ids[index]``.

    ``be``: write kinetic energy (positions, offset links); otherwise links are ratios and
    ``scales`` (widths) holds each component's CasaXPS ``F / fwhm``.
    """
    own = 1.0 if scales is None else scales[index]
    conv = (lambda x: x * own) if be is None else be.kinetic
    value = conv(par.value)
    if par.expr is not None or (par.link is not None and par.link.tolerance):
        log.warning("%s: expressions and link tolerances cannot be written for CasaXPS", name)
    link = par.link if par.expr is None else None
    if link is not None:
        if link.ref not in ids:
            raise SpecError(f"link to unknown component {link.ref!r}", key=name)
        offset = be is not None
        if (link.kind == "offset") != offset and link.kind != "equal":
            raise SpecError(f"CasaXPS cannot express a {link.kind} link on {name}", key=name)
        ref = ids.index(link.ref)
        if offset:
            factor = -link.value if link.kind == "offset" else 0.0
        else:
            ratio = link.value if link.kind == "ratio" else 1.0
            factor = ratio * own / (1.0 if scales is None else scales[ref])
        return f"{name} {_num(value)} 0.0 0.0 {ref} {_num(factor)}"
    if not par.vary:
        lo = hi = value
    else:
        a, b = conv(par.min), conv(par.max)
        lo, hi = min(a, b), max(a, b)
    return f"{name} {_num(value)} {_num(lo)} {_num(hi)} -1 1.0"


def _casa_shape(peak: Peak) -> tuple[str, float]:
    """CasaXPS line-shape string and ``F / fwhm`` of a peak."""
    if any(q.vary or q.link is not None or q.expr is not None for q in peak.shape.values()):
        log.warning(
            "%s: CasaXPS does not vary line-shape parameters; they are written at their values",
            peak.id,
        )
    values = {k: q.value for k, q in peak.shape.items()}
    text, casa_fwhm = format_lineshape(peak.lineshape, peak.fwhm.value, values, component=peak.id)
    return text, casa_fwhm / peak.fwhm.value


def _region_line(spec: FitSpec, window: tuple[float, float], be: BeMap, rsf: float) -> str:
    bg = spec.background
    names = {"shirley": "Shirley", "active_shirley": "Shirley", "linear": "Linear"}
    form = tougaard_form(bg.options)
    if bg.kind == "tougaard":
        name = f"U {form[1]} Tougaard"
    elif bg.kind in names:
        name = names[bg.kind]
    else:
        raise SpecError(f"background {bg.kind!r} cannot be written for CasaXPS", key="background")
    universal = (*tougaard_defaults(form), float(bg.options.get("tougaard_gap", 0.0)))
    fallback = universal if bg.kind == "tougaard" else (0.0, 0.0, 0.0, 0.0)
    cross = list(bg.options.get("casa_cross_section", fallback))[:4]
    for k, pname in enumerate(("B", "C", "D")):
        if pname in bg.params and k < len(cross):
            cross[k] = bg.params[pname].value
    cross += [0.0] * (4 - len(cross))
    so, eo = bg.options.get("casa_offsets_percent", (0.0, 0.0))
    lo, hi = window
    nums = [be.kinetic(hi), be.kinetic(lo), rsf, float(bg.average_points), so, eo, *cross]
    tag = spec.region or "region"
    return (
        f"CASA region (*{tag}*) (*{name}*) {' '.join(_num(float(x)) for x in nums)} (*{tag}*) 0 0 1"
    )


def format_casa_lines(
    spec: FitSpec,
    source_energy: float,
    *,
    window: tuple[float, float] | None = None,
    offset: float = 0.0,
    area_scale: float = 1.0,
    rsf: float = 1.0,
) -> list[str]:
    """Write a FitSpec as CasaXPS ``CASA region`` and ``CASA comp`` lines.

    Parameters
    ----------
    spec
        The fit; doublets become two linked components.
    source_energy
        Photon energy, eV (CasaXPS stores kinetic energies).
    window
        Binding-energy range (eV) used when ``spec.window`` is ``None``.
    offset
        Binding-energy shift of the written axis relative to the spectrum's, eV.
    area_scale
        Spectrum intensity per CasaXPS intensity (:func:`counts_per_cps`): areas and their
        bounds are divided by it.
    rsf
        Relative sensitivity factor of the region and of every component (> 0).

    Returns
    -------
    list of str
        One region line followed by one line per component.

    Raises
    ------
    SpecError
        If the spec uses something CasaXPS cannot express (a Doniach-Sunjic line shape, no
        background, offset links on areas or widths), a width is not > 0, or there is no
        window. A pseudo-Voigt is written as the identical SGL, a Voigt as the nearest SGL
        of the same FWHM (with a logged warning); CasaXPS's width field and bounds are
        converted from ``fwhm`` (see the module notes).
    """
    if not source_energy > 0:
        raise SpecError("CasaXPS lines need a source energy (positions are kinetic energies)")
    win = spec.window or window
    if win is None:
        raise SpecError("CasaXPS needs a region window", key="window")
    be = BeMap(source_energy, offset)
    peaks = _expand(spec)
    ids = [p.id for p in peaks]
    if not (math.isfinite(rsf) and rsf > 0):
        raise SpecError(f"sensitivity factor {rsf!r} is not a positive number", key="rsf")
    lines = [_region_line(spec, (min(win), max(win)), be, rsf)]
    shapes = [_casa_shape(p) for p in peaks]
    scales = [scale for _, scale in shapes]
    per_cps = [1.0 / area_scale] * len(peaks)
    for i, (p, (shape, _)) in enumerate(zip(peaks, shapes, strict=True)):
        lines.append(
            f"CASA comp (*{p.id}*) (*{shape}*) {_group('Area', p.area, ids, i, None, per_cps)} "
            f"{_group('MFWHM', p.fwhm, ids, i, None, scales)} "
            f"{_group('Position', p.center, ids, i, be)} "
            f"RSF {_num(rsf)} MASS 0 INDEX -1 (*{spec.region or 'region'}*) CONST (**) "
            f"UNCORRECTEDRSF {_num(rsf)}"
        )
    return lines
