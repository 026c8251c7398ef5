"""Fit specifications in plain-data jobs: encoded once per template, decoded once per process.

A depth profile or a batch sends one template with many jobs. :func:`encode_spec` turns it
into its JSON-able dictionary (:func:`xpsfit.specjson.spec_to_dict`) plus a content key (a
digest of that dictionary); :func:`decode_spec` gives the :class:`~xpsfit.spec.FitSpec` of a
job, decoding each key once per process. Every job of a template then shares one spec object,
so what a model takes from its spec alone is also made once (see
:func:`xpsfit.models.build_cached`).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Mapping
from typing import Any

from xpsfit.spec import FitSpec
from xpsfit.specjson import spec_from_dict, spec_to_dict

__all__ = ["MAX_DECODED", "decode_spec", "encode_spec", "spec_key"]

#: Decoded specs kept per process (the oldest goes first).
MAX_DECODED = 32

_decoded: dict[str, FitSpec] = {}
_lock = threading.Lock()


def _after_fork() -> None:
    """A forked worker gets its own unlocked lock (another thread may have held it)."""
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def spec_key(plain: Mapping[str, Any]) -> str:
    """Content key of a spec dictionary: equal dictionaries, equal keys."""
    text = json.dumps(plain, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def encode_spec(spec: FitSpec | Mapping[str, Any]) -> dict[str, Any]:
    """``{"spec": <dictionary>, "spec_key": <content key>}`` of a spec (or of its dictionary,
    as :func:`xpsfit.specjson.spec_to_dict` gives it), to merge into a job."""
    plain = dict(spec) if isinstance(spec, Mapping) else spec_to_dict(spec)
    return {"spec": plain, "spec_key": spec_key(plain)}


def decode_spec(job: Mapping[str, Any]) -> FitSpec:
    """The template of a job made with :func:`encode_spec` (one object per key and process).

    Raises
    ------
    SpecError
        For an invalid spec dictionary.
    """
    key = job["spec_key"]
    with _lock:
        found = _decoded.get(key)
    if found is not None:
        return found
    spec = spec_from_dict(job["spec"], source="template")
    with _lock:
        while len(_decoded) >= MAX_DECODED:
            del _decoded[next(iter(_decoded))]
        _decoded[key] = spec
    return spec
