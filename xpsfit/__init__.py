"""xpsfit: XPS depth-profile peak fitting.

The public API is importable from here and kept stable.
"""

from __future__ import annotations

__version__ = "0.1.0"

from xpsfit.batch import BatchResult, fit_many
from xpsfit.errors import FitError, ParseError, SpecError, XpsfitError
from xpsfit.fitting import FitCancelled, fit
from xpsfit.io import read
from xpsfit.profile import DepthProfile, DepthScale, SputterRate
from xpsfit.profile_fit import ChargeCorrection, fit_profile, fit_profiles
from xpsfit.profile_result import ProfileResult
from xpsfit.quant_settings import QuantSettings
from xpsfit.quantify import atomic_rows, line_quant
from xpsfit.reference import load_library
from xpsfit.result import Estimate, FitResult, LineResult, ParamResult
from xpsfit.spec import BackgroundSpec, Doublet, FitSpec, FractionDef, Link, Param, Peak
from xpsfit.spectrum import Spectrum
from xpsfit.templates import (
    Template,
    apply_template,
    default_template,
    load_template,
    save_template,
    template_from_library,
)

__all__ = [
    "BackgroundSpec",
    "BatchResult",
    "ChargeCorrection",
    "DepthProfile",
    "DepthScale",
    "Doublet",
    "Estimate",
    "FitCancelled",
    "FitError",
    "FitResult",
    "FitSpec",
    "FractionDef",
    "LineResult",
    "Link",
    "Param",
    "ParamResult",
    "ParseError",
    "Peak",
    "ProfileResult",
    "QuantSettings",
    "SpecError",
    "Spectrum",
    "SputterRate",
    "Template",
    "XpsfitError",
    "__version__",
    "apply_template",
    "atomic_rows",
    "default_template",
    "fit",
    "fit_many",
    "fit_profile",
    "fit_profiles",
    "line_quant",
    "load_library",
    "load_template",
    "read",
    "save_template",
    "template_from_library",
]
