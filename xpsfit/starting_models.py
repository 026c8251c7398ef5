"""The model a spectrum starts from when it is opened.

A spectrum that carries a CasaXPS fit (VAMAS files processed in CasaXPS store their regions and
components in block comments, :func:`xpsfit.io.casa.fit_spec_from_spectrum`) starts from that
fit; one that carries only a CasaXPS region starts from its region's default template inside
that region's window and background; every other spectrum from its region's default template
(:func:`xpsfit.templates.default_specs`).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field, replace
from typing import Generic, TypeVar

from xpsfit.errors import XpsfitError
from xpsfit.io.casa import fit_spec_from_spectrum
from xpsfit.reference import Library
from xpsfit.spec import FitSpec
from xpsfit.spectrum import Spectrum
from xpsfit.templates import default_specs

__all__ = ["StartingModels", "starting_models"]

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class StartingModels(Generic[K]):
    """Where each spectrum's starting model came from.

    Parameters
    ----------
    specs
        The starting model by key.
    from_file
        Keys whose model is the CasaXPS fit stored with the spectrum (or its region).
    missing
        Keys without a model, and why (no default template for the region, or it does not
        reach the data).
    unreadable
        Keys whose stored CasaXPS fit could not be read, and why (they start from the default
        template when there is one).
    """

    specs: dict[K, FitSpec] = field(default_factory=dict)
    from_file: tuple[K, ...] = ()
    missing: dict[K, str] = field(default_factory=dict)
    unreadable: dict[K, str] = field(default_factory=dict)


def starting_models(
    spectra: Mapping[K, Spectrum], library: Library | None = None
) -> StartingModels[K]:
    """The starting model of every spectrum: its stored CasaXPS fit, else its region's default
    template (see the module description).

    Parameters
    ----------
    spectra
        Spectra by any key (e.g. a project's spectrum ids).
    library
        The reference library; default :func:`xpsfit.reference.load_library` (read once).

    Returns
    -------
    StartingModels
        The models, and which came from the files, which are missing and which stored fits
        could not be read.
    """
    stored: dict[K, FitSpec] = {}
    unreadable: dict[K, str] = {}
    for key, spectrum in spectra.items():
        try:
            spec = fit_spec_from_spectrum(spectrum)
        except XpsfitError as exc:
            unreadable[key] = f"CasaXPS fit not readable: {exc}"
            continue
        if spec is not None:
            stored[key] = spec
    need_default = {k: s for k, s in spectra.items() if not stored.get(k, FitSpec()).components}
    defaults, missing = default_specs(need_default, library=library)
    specs: dict[K, FitSpec] = {}
    for key in spectra:
        own, default = stored.get(key), defaults.get(key)
        if own is not None and (own.components or default is None):
            specs[key] = own
        elif own is not None and default is not None:  # a CasaXPS region without components
            specs[key] = replace(default, window=own.window, background=own.background)
        elif default is not None:
            specs[key] = default
    return StartingModels(
        specs=specs,
        from_file=tuple(k for k in spectra if k in stored),
        missing={k: why for k, why in missing.items() if k not in specs},
        unreadable=unreadable,
    )
