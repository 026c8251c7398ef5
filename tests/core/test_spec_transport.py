"""Specs in plain-data jobs: one encoding per template, one decoded object per key."""

from __future__ import annotations

import dataclasses

import pytest

import xpsfit.spec_transport as transport
from xpsfit.errors import SpecError
from xpsfit.specjson import spec_to_dict
from xpsfit.template_library import default_template


def test_equal_specs_share_one_decoded_object() -> None:
    spec = default_template("Co 2p")
    first, again = transport.encode_spec(spec), transport.encode_spec(spec_to_dict(spec))
    assert first == again  # from the spec or from its dictionary: the same key
    decoded = transport.decode_spec(first)
    assert decoded == spec
    assert transport.decode_spec(again) is decoded


def test_a_changed_spec_gets_another_key_and_object() -> None:
    spec = default_template("C 1s")
    moved = dataclasses.replace(spec, window=(281.0, 293.0))
    a, b = transport.encode_spec(spec), transport.encode_spec(moved)
    assert a["spec_key"] != b["spec_key"]
    assert transport.decode_spec(b).window == (281.0, 293.0)
    assert transport.decode_spec(a).window == spec.window


def test_invalid_spec_raises_and_is_not_kept() -> None:
    job = transport.encode_spec({"region": "C 1s", "components": "none"})
    with pytest.raises(SpecError):
        transport.decode_spec(job)
    with pytest.raises(SpecError):  # still refused: nothing was cached
        transport.decode_spec(job)


def test_the_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport, "MAX_DECODED", 3)
    monkeypatch.setattr(transport, "_decoded", {})
    spec = default_template("O 1s")
    for n in range(6):
        shifted = dataclasses.replace(spec, window=(525.0 + 0.1 * n, 537.0))
        transport.decode_spec(transport.encode_spec(shifted))
    assert len(transport._decoded) == 3
