"""Instrument file readers: one module per format, one registry, one error type.

``read(path)`` sniffs the format from the content (and the extension as a hint) and returns a
list of :class:`~xpsfit.spectrum.Spectrum`. Each reader module registers itself with
:func:`register` when imported; :mod:`xpsfit.io.registry` imports them all.
"""

from xpsfit.io.registry import FORMATS, Reader, read, register

__all__ = ["FORMATS", "Reader", "read", "register"]
