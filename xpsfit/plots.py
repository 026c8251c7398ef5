"""Depth-profile figures as PNG and SVG, drawn without a display (matplotlib Agg canvas).

Figures are built on :class:`matplotlib.figure.Figure` directly (no pyplot, no global figure
state), SVG ids use a fixed hash salt and no date is embedded, so equal inputs give equal
files. Every file is written atomically.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from xpsfit.atomic import write_bytes_atomic
from xpsfit.profile import axis_value
from xpsfit.profile_result import ProfileResult
from xpsfit.quantify import FractionRow

__all__ = ["plot_fraction_vs_depth", "plot_intensity_map", "plot_stacked_spectra", "save_figure"]

_RC: Any = {"svg.hashsalt": "xpsfit", "svg.fonttype": "none", "font.size": 9.0}


def save_figure(fig: Figure, stem: str | Path) -> list[Path]:
    """Write ``<stem>.png`` (150 dpi) and ``<stem>.svg`` atomically; returns both paths."""
    FigureCanvasAgg(fig)
    out = []
    with mpl.rc_context(_RC):
        for fmt, meta in (("png", {"Software": None}), ("svg", {"Date": None, "Creator": None})):
            buf = io.BytesIO()
            fig.savefig(buf, format=fmt, dpi=150, metadata=meta)
            path = Path(f"{stem}.{fmt}")
            write_bytes_atomic(path, buf.getvalue())
            out.append(path)
    return out


def _axis_label(results: Sequence[ProfileResult]) -> str:
    return results[0].depth_scale.axis_label if results else "depth (nm)"


def plot_fraction_vs_depth(
    rows: Sequence[FractionRow],
    results: Sequence[ProfileResult],
    fraction: str,
    stem: str | Path,
    *,
    region: str | None = None,
) -> list[Path]:
    """Fraction (%) against depth, one line per sample, with one-sigma error bars (Monte
    Carlo errors where present, else covariance errors)."""
    with mpl.rc_context(_RC):
        fig = Figure(figsize=(5.0, 3.6))
        ax = fig.add_subplot()
        mode = results[0].depth_scale.mode if results else "etch_time"
        for sample in dict.fromkeys(r.sample for r in rows):
            sel = [
                r
                for r in rows
                if r.sample == sample
                and r.fraction == fraction
                and (region is None or r.region == region)
            ]
            if not sel:
                continue
            x = [axis_value(r.depth, r.etch_time, r.level, mode) for r in sel]
            y = [100.0 * r.value for r in sel]
            err = [100.0 * (r.mc_err if r.mc_err is not None else (r.err or 0.0)) for r in sel]
            ax.errorbar(x, y, yerr=err, marker="o", ms=3.5, capsize=2.5, label=sample)
        ax.set_xlabel(_axis_label(results))
        ax.set_ylabel(f"{fraction} (%)")
        ax.legend(frameon=False)
        fig.tight_layout()
    return save_figure(fig, stem)


def plot_stacked_spectra(result: ProfileResult, region: str, stem: str | Path) -> list[Path]:
    """Every level's spectrum of a region, offset upwards with depth, with envelope and lines."""
    fits = [f for f in result.region_fits(region) if f.result is not None]
    with mpl.rc_context(_RC):
        fig = Figure(figsize=(5.0, 1.2 + 0.6 * max(len(fits), 1)))
        ax = fig.add_subplot()
        peak = max(
            (float(np.nanmax(f.result.data)) for f in fits if f.result is not None), default=1.0
        )
        for i, sf in enumerate(fits):
            res = sf.result
            assert res is not None
            off = 0.8 * peak * i
            ax.plot(res.binding_energy, res.data + off, ".", ms=1.5, color="0.3")
            ax.plot(res.binding_energy, res.envelope + off, lw=1.0, color="C3")
            for ln in res.lines:
                ax.plot(res.binding_energy, res.background + ln.curve + off, lw=0.6, alpha=0.8)
            ax.text(res.binding_energy[-1], off + res.background[-1], f"L{sf.level}", fontsize=7)
        ax.invert_xaxis()
        ax.set_xlabel("binding energy (eV)")
        ax.set_ylabel("intensity (offset)")
        ax.set_title(f"{result.sample}: {region}")
        fig.tight_layout()
    return save_figure(fig, stem)


def plot_intensity_map(result: ProfileResult, region: str, stem: str | Path) -> list[Path]:
    """Measured intensity on a binding energy x depth grid (levels interpolated onto the first
    level's energy axis)."""
    fits = [f for f in result.region_fits(region) if f.result is not None]
    with mpl.rc_context(_RC):
        fig = Figure(figsize=(5.0, 3.6))
        ax = fig.add_subplot()
        if fits:
            first = fits[0].result
            assert first is not None
            be = first.binding_energy
            grid = np.vstack(
                [
                    np.interp(be, f.result.binding_energy, f.result.data)
                    for f in fits
                    if f.result is not None
                ]
            )
            mode = result.depth_scale.mode
            depth = np.array([axis_value(f.depth, f.etch_time, f.level, mode) for f in fits])
            mesh = ax.pcolormesh(be, depth, grid, shading="nearest", cmap="viridis")
            fig.colorbar(mesh, ax=ax, label="intensity")
            ax.invert_xaxis()
            ax.invert_yaxis()
        ax.set_xlabel("binding energy (eV)")
        ax.set_ylabel(result.depth_scale.axis_label)
        ax.set_title(f"{result.sample}: {region}")
        fig.tight_layout()
    return save_figure(fig, stem)
