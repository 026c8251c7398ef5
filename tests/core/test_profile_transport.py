"""Outcomes of profile jobs: a pickled result comes back equal to the one fitted, read-only."""

from __future__ import annotations

import pickle
from types import MappingProxyType

import numpy as np

from xpsfit.demo import demo_spectra
from xpsfit.demo_specs import DEMO_SPECS
from xpsfit.fitting import fit
from xpsfit.profile_transport import decode_outcome, outcome_of


def test_a_pickled_outcome_decodes_to_the_same_result() -> None:
    spectrum = next(s for s in demo_spectra() if s.region == "Co 2p")
    result = fit(spectrum, DEMO_SPECS["Co 2p"])
    outcome = outcome_of("k", spectrum, result, live=False)
    assert "fit" not in outcome
    # what a worker process sends back goes through the pool's own pickling too
    decoded, issue = decode_outcome(pickle.loads(pickle.dumps(outcome)))
    assert issue is None
    assert decoded is not None
    assert decoded is not result
    assert decoded.spec == result.spec
    assert decoded.params == result.params
    assert decoded.fractions == result.fractions
    assert (decoded.chisqr, decoded.status, decoded.nfev) == (
        result.chisqr,
        result.status,
        result.nfev,
    )
    for name in ("binding_energy", "data", "background", "envelope", "residual"):
        assert np.array_equal(getattr(decoded, name), getattr(result, name))
        assert not getattr(decoded, name).flags.writeable
    assert isinstance(decoded.spec.background.params, MappingProxyType)
    assert [ln.label for ln in decoded.lines] == [ln.label for ln in result.lines]


def test_a_live_outcome_is_the_result_itself() -> None:
    spectrum = next(s for s in demo_spectra() if s.region == "C 1s")
    result = fit(spectrum, DEMO_SPECS["C 1s"])
    decoded, issue = decode_outcome(outcome_of("k", spectrum, result, live=True))
    assert decoded is result
    assert issue is None
