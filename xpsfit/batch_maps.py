"""Maps of a batch run: fractions and atomic % per pixel, from spectra with map positions.

A spectrum's position is ``metadata["x"]`` and ``metadata["y"]`` (numbers; the VAMAS
reader sets them from the block coordinates of MAP and MAPDP files, in the file's map units,
and any reader or caller may set them, e.g. stage positions in micrometres). Each sample's
positions span a grid of its distinct x values (columns, ascending) and y values (rows,
ascending); a grid cell without a usable fit is NaN.

Written into ``OUT/maps/`` per sample (``map`` when unnamed): ``<sample>_x.npy`` and
``<sample>_y.npy`` (the grid coordinates), and per fraction (dimensionless, 0..1) and per
element (atomic %, from the sensitivity-corrected region areas of every region fitted at
the pixel; only when two elements or more were fitted) ``<stem>.npy`` (2-D float64, rows y,
columns x), ``<stem>.csv`` (first row ``y \\ x`` then the x values; then one row per y) and
``<stem>.png``. Every file is written atomically.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from numpy.typing import NDArray

from xpsfit.atomic import atomic_write, write_bytes_atomic
from xpsfit.batch_store import read_part
from xpsfit.export import format_cell

__all__ = ["MapData", "collect_maps", "write_maps"]

Pixel = tuple[float, float]
#: Per sample: map name -> pixel -> value; map names are ``("fraction", region, name)``
#: or ``("atomic", element, "")``.
MapData = dict[str, dict[tuple[str, str, str], dict[Pixel, float]]]


def _finite(value: object) -> bool:
    return isinstance(value, float) and math.isfinite(value)


def collect_maps(out: Path, units: Sequence[str]) -> MapData:
    """Fractions and atomic % per pixel and sample, unit by unit."""
    maps: MapData = {}
    areas: dict[str, dict[Pixel, dict[str, float]]] = {}
    for unit in units:
        where = {}
        for s in read_part(out, "spectra", unit):
            if s["status"] != "ok" or not (_finite(s["x"]) and _finite(s["y"])):
                continue
            pixel = (float(s["x"]), float(s["y"]))
            where[(s["file"], s["index"])] = (s["sample"] or "map", pixel)
            if _finite(s["quant_area"]):
                element = str(s["region"]).split(" ")[0]
                cell = areas.setdefault(s["sample"] or "map", {}).setdefault(pixel, {})
                cell[element] = cell.get(element, 0.0) + float(s["quant_area"])
        for fr in read_part(out, "fractions", unit):
            hit = where.get((fr["file"], fr["index"]))
            if hit is not None and _finite(fr["value"]):
                name = ("fraction", str(fr["region"]), str(fr["fraction"]))
                maps.setdefault(hit[0], {}).setdefault(name, {})[hit[1]] = float(fr["value"])
    for sample, pixels in areas.items():
        elements = sorted({e for cell in pixels.values() for e in cell})
        if len(elements) < 2:
            continue
        for pixel, cell in pixels.items():
            total = sum(cell.values())
            for element in elements if total > 0 else ():
                name = ("atomic", element, "")
                value = 100.0 * cell.get(element, 0.0) / total
                maps.setdefault(sample, {}).setdefault(name, {})[pixel] = value
    return maps


def _grid(
    values: dict[Pixel, float], xs: NDArray[np.float64], ys: NDArray[np.float64]
) -> NDArray[np.float64]:
    grid = np.full((ys.size, xs.size), np.nan)
    for (x, y), v in values.items():
        grid[int(np.searchsorted(ys, y)), int(np.searchsorted(xs, x))] = v
    return grid


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "+-." else "_" for c in text).strip("_") or "map"


def _save_npy(path: Path, array: NDArray[np.float64]) -> Path:
    buf = io.BytesIO()
    np.save(buf, array)
    write_bytes_atomic(path, buf.getvalue())
    return path


def _save_csv(path: Path, grid: NDArray[np.float64], xs: NDArray[np.float64],
              ys: NDArray[np.float64]) -> Path:  # fmt: skip
    with atomic_write(path) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["y \\ x", *(format_cell(float(x)) for x in xs)])
        for y, row in zip(ys.tolist(), grid.tolist(), strict=True):
            writer.writerow([format_cell(y), *(format_cell(v) if v == v else "" for v in row)])
    return path


def _save_png(path: Path, grid: NDArray[np.float64], xs: NDArray[np.float64],
              ys: NDArray[np.float64], title: str, unit: str) -> Path:  # fmt: skip
    fig = Figure(figsize=(5.0, 4.0))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    dx = float(np.min(np.diff(xs))) if xs.size > 1 else 1.0
    dy = float(np.min(np.diff(ys))) if ys.size > 1 else 1.0
    extent = (xs[0] - dx / 2, xs[-1] + dx / 2, ys[0] - dy / 2, ys[-1] + dy / 2)
    image = ax.imshow(grid, origin="lower", extent=extent, aspect="auto", interpolation="nearest")
    fig.colorbar(image, ax=ax, label=unit)
    ax.set_title(title)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    write_bytes_atomic(path, buf.getvalue())
    return path


def write_maps(out: Path, units: Sequence[str]) -> list[Path]:
    """Write every map of the run into ``out/maps``; returns the paths (none without positions)."""
    paths: list[Path] = []
    for sample, named in collect_maps(out, units).items():
        pixels = {p for values in named.values() for p in values}
        xs = np.array(sorted({x for x, _ in pixels}))
        ys = np.array(sorted({y for _, y in pixels}))
        folder = out / "maps"
        paths += [_save_npy(folder / f"{_safe(sample)}_x.npy", xs)]
        paths += [_save_npy(folder / f"{_safe(sample)}_y.npy", ys)]
        for (kind, what, name), values in sorted(named.items()):
            grid = _grid(values, xs, ys)
            if kind == "fraction":
                stem, title, unit = f"{sample}_{what}_{name}", f"{sample}: {name}", "fraction"
            else:
                stem, title, unit = f"{sample}_atomic_{what}", f"{sample}: {what}", "atomic %"
            base = folder / _safe(stem)
            paths += [_save_npy(Path(f"{base}.npy"), grid)]
            paths += [_save_csv(Path(f"{base}.csv"), grid, xs, ys)]
            paths += [_save_png(Path(f"{base}.png"), grid, xs, ys, title, unit)]
    return paths
