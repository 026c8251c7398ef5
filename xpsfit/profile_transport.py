"""How a fitted spectrum travels back from a profile job: outcomes and their decoding.

A job run in the calling process hands its :class:`~xpsfit.result.FitResult` objects back
as they are. A job run in a worker process sends each result pickled by :class:`_Pickler`,
which writes the read-only mappings of results and specs (:class:`types.MappingProxyType`,
which the standard pickler refuses) as a call of :func:`read_only` on a plain dict; decoding
is :func:`pickle.loads`. This is several times faster than the project file's JSON + ``.npy``
codec, which matters because the main process decodes every result of the pool.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from xpsfit.profile_result import SpectrumIssue
from xpsfit.result import FitResult
from xpsfit.spectrum import Spectrum

__all__ = ["decode_outcome", "live_outcome", "outcome_of", "read_only"]


def read_only(items: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    """A read-only view of ``items`` (the unpickling side of a read-only mapping)."""
    return MappingProxyType(items)


class _Pickler(pickle.Pickler):
    """Pickles read-only mappings as :func:`read_only` of a dict."""

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is MappingProxyType:
            return read_only, (dict(obj),)
        return NotImplemented


def _dumps(result: FitResult) -> bytes:
    buf = io.BytesIO()
    _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(result)
    return buf.getvalue()


def outcome_of(key: str, spectrum: Spectrum, result: FitResult, *, live: bool) -> dict[str, Any]:
    """The outcome of one fitted spectrum: the result itself when the job ran in this process
    (``live``), else pickled for the trip back from a worker; plus an issue when it failed."""
    outcome: dict[str, Any] = {"key": key}
    if live:
        outcome["fit"] = result
    else:
        outcome["pickled"] = _dumps(result)
    if not result.ok:
        outcome["issue"] = ["fit_failed", f"{spectrum.label}: {result.status}: {result.message}"]
    return outcome


def live_outcome(outcome: Mapping[str, Any]) -> dict[str, Any]:
    """An outcome with its pickled result (if any) unpickled, as a job run here gives it."""
    live = dict(outcome)
    if "pickled" in live:
        live["fit"] = pickle.loads(live.pop("pickled"))
    return live


def decode_outcome(outcome: Mapping[str, Any]) -> tuple[FitResult | None, SpectrumIssue | None]:
    """The fit and/or issue of one outcome of a job (pickled or live)."""
    result: FitResult | None = live_outcome(outcome).get("fit")
    issue = None
    if "issue" in outcome:
        code, message = outcome["issue"]
        issue = SpectrumIssue(code, message)
    return result, issue
