"""Lossless JSON + ``.npy`` encoding of fit results for the project file.

Scalars go to JSON (Python floats round-trip exactly through ``repr``), arrays to ``.npy``
members written with ``allow_pickle=False``. ``None`` errors stay ``None``.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import numpy as np

from xpsfit.errors import ParseError
from xpsfit.result import (
    Estimate,
    FitResult,
    FloatArray,
    LineResult,
    MonteCarloSummary,
    ParamResult,
    Weights,
)
from xpsfit.specjson import spec_from_dict, spec_to_dict

__all__ = ["ArrayStore", "result_from_json", "result_to_json"]

_RESULT_ARRAYS = ("binding_energy", "data", "sigma", "background", "envelope", "residual")
_RESULT_SCALARS = ("spectrum_label", "chisqr", "redchi", "nfev", "ndata", "nvarys", "status")


class ArrayStore:
    """Arrays kept as ``arrays/<key>.npy`` members of the project zip.

    Parameters
    ----------
    members
        Existing zip members (name -> bytes) when reading; empty when writing.
    """

    def __init__(self, members: Mapping[str, bytes] | None = None) -> None:
        self._members: dict[str, bytes] = dict(members or {})

    def put(self, key: str, array: FloatArray) -> str:
        """Store an array and return its member name."""
        name = f"arrays/{key}.npy"
        buf = io.BytesIO()
        np.save(buf, np.ascontiguousarray(array, dtype=np.float64), allow_pickle=False)
        self._members[name] = buf.getvalue()
        return name

    def get(self, name: str) -> FloatArray:
        """Read back an array stored by :meth:`put`.

        Raises
        ------
        ParseError
            If the member is missing or not a float array.
        """
        if name not in self._members:
            raise ParseError("array member missing", field=name)
        try:
            arr = np.load(io.BytesIO(self._members[name]), allow_pickle=False)
        except ValueError as exc:
            raise ParseError(f"unreadable array ({exc})", field=name) from exc
        if arr.dtype != np.float64:
            raise ParseError(f"array has dtype {arr.dtype}, expected float64", field=name)
        out: FloatArray = arr
        out.setflags(write=False)
        return out

    def members(self) -> dict[str, bytes]:
        """Every stored member by name."""
        return dict(self._members)


def _est(e: Estimate) -> list[float | None]:
    return [e.value, e.stderr]


def _unest(v: list[float | None]) -> Estimate:
    value, stderr = v
    if value is None:
        raise ParseError("estimate without value")
    return Estimate(float(value), None if stderr is None else float(stderr))


def _line_to_json(line: LineResult, key: str, store: ArrayStore) -> dict[str, Any]:
    return {
        "component": line.component,
        "role": line.role,
        "label": line.label,
        "species": line.species,
        "lineshape": line.lineshape,
        **{n: _est(getattr(line, n)) for n in ("center", "fwhm", "area", "height")},
        "curve": store.put(key, line.curve),
    }


def _line_from_json(d: Mapping[str, Any], store: ArrayStore) -> LineResult:
    return LineResult(
        component=d["component"],
        role=d["role"],
        label=d["label"],
        species=d["species"],
        lineshape=d["lineshape"],
        center=_unest(d["center"]),
        fwhm=_unest(d["fwhm"]),
        area=_unest(d["area"]),
        height=_unest(d["height"]),
        curve=store.get(d["curve"]),
    )


def _mc_to_json(mc: MonteCarloSummary | None) -> dict[str, Any] | None:
    if mc is None:
        return None
    return {
        "n_replicas": mc.n_replicas,
        "seed": mc.seed,
        "params": dict(mc.params),
        "species_areas": dict(mc.species_areas),
        "fractions": dict(mc.fractions),
    }


def _mc_from_json(d: Mapping[str, Any] | None) -> MonteCarloSummary | None:
    if d is None:
        return None
    return MonteCarloSummary(
        n_replicas=int(d["n_replicas"]),
        seed=d["seed"],
        params=d["params"],
        species_areas=d["species_areas"],
        fractions=d["fractions"],
    )


def result_to_json(result: FitResult, key: str, store: ArrayStore) -> dict[str, Any]:
    """Encode a :class:`~xpsfit.result.FitResult`; arrays go to ``store`` under ``key``."""
    out: dict[str, Any] = {n: getattr(result, n) for n in _RESULT_SCALARS}
    out.update({n: store.put(f"{key}/{n}", getattr(result, n)) for n in _RESULT_ARRAYS})
    out["spec"] = spec_to_dict(result.spec)
    out["message"] = result.message
    out["lines"] = [_line_to_json(ln, f"{key}/line{i}", store) for i, ln in enumerate(result.lines)]
    out["params"] = [
        [p.name, p.value, p.stderr, p.vary, p.expr, p.at_bound] for p in result.params.values()
    ]
    out["species"] = list(result.species)
    out["species_areas"] = {k: _est(v) for k, v in result.species_areas.items()}
    out["species_covariance"] = (
        None
        if result.species_covariance is None
        else store.put(f"{key}/species_covariance", result.species_covariance.reshape(-1))
    )
    out["fractions"] = {k: _est(v) for k, v in result.fractions.items()}
    out["background_info"] = dict(result.background_info)
    out["monte_carlo"] = _mc_to_json(result.monte_carlo)
    out["weights"] = result.weights
    return out


def _weights_from_json(d: Mapping[str, Any]) -> Weights:
    """The channel weights of a stored result: Poisson, the default, for a result saved
    before results recorded their weights."""
    value = d.get("weights", "poisson")
    if value == "poisson":
        return "poisson"
    if value == "uniform":
        return "uniform"
    raise ParseError(
        f"unknown fit weights {value!r}; expected 'poisson' or 'uniform'", field="weights"
    )


def result_from_json(d: Mapping[str, Any], store: ArrayStore) -> FitResult:
    """Decode what :func:`result_to_json` wrote."""
    species = tuple(d["species"])
    cov = d["species_covariance"]
    covariance = None
    if cov is not None:
        flat = store.get(cov)
        covariance = flat.reshape(len(species), len(species))
    params = {
        row[0]: ParamResult(
            name=row[0], value=row[1], stderr=row[2], vary=row[3], expr=row[4], at_bound=row[5]
        )
        for row in d["params"]
    }
    fields: dict[str, Any] = {n: d[n] for n in _RESULT_SCALARS}
    fields.update({n: store.get(d[n]) for n in _RESULT_ARRAYS})
    return FitResult(
        spec=spec_from_dict(d["spec"]),
        **fields,
        lines=tuple(_line_from_json(ln, store) for ln in d["lines"]),
        params=params,
        species=species,
        species_areas={k: _unest(v) for k, v in d["species_areas"].items()},
        species_covariance=covariance,
        fractions={k: _unest(v) for k, v in d["fractions"].items()},
        message=d["message"],
        background_info=d["background_info"],
        monte_carlo=_mc_from_json(d["monte_carlo"]),
        weights=_weights_from_json(d),
    )
