"""What a user chooses for atomic percentages: sensitivity factors, corrections, X-ray source.

:class:`QuantSettings` is what :mod:`xpsfit.quantify` computes with, what a project stores
(:meth:`QuantSettings.to_dict` / :meth:`QuantSettings.from_dict`, plain JSON) and what
``xpsfit profile`` writes into ``run.json``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from xpsfit.errors import SpecError

__all__ = ["QuantSettings"]

_KEYS = ("rsf", "ke_exponent", "use_transmission", "source", "file_rsf")


def _positive(value: object, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SpecError(f"{key} is {value!r}; expected a number", key=key)
    number = float(value)
    if not (math.isfinite(number) and number > 0):
        raise SpecError(f"{key} is {value!r}; expected a positive number", key=key)
    return number


@dataclass(frozen=True)
class QuantSettings:
    """Choices behind atomic percentages.

    Parameters
    ----------
    rsf
        User sensitivity factors by region label or element (they win over every other
        source), each > 0.
    ke_exponent
        Escape-depth exponent n of the kinetic-energy correction E_K^n (0 disables it).
    use_transmission
        Divide each line by the file's transmission at the line's kinetic energy when a
        spectrum has a transmission column (``metadata["transmission"]``, one value per
        channel).
    source
        X-ray source label for table lookups when a spectrum does not name one.
    file_rsf
        Take each region's factor from the file instead of the Scofield table: the RSF
        CasaXPS stored with the spectrum (its ``CASA region`` line). A region whose file holds
        none then has no factor unless ``rsf`` gives one (the two scales are never mixed).

    Raises
    ------
    SpecError
        A user factor that is not a positive number, or an exponent that is not finite.
    """

    rsf: Mapping[str, float] = field(default_factory=dict)
    ke_exponent: float = 0.6
    use_transmission: bool = True
    source: str = "Al Ka"
    file_rsf: bool = False

    def __post_init__(self) -> None:
        factors = {str(k): _positive(v, f"rsf.{k}") for k, v in dict(self.rsf).items()}
        object.__setattr__(self, "rsf", MappingProxyType(factors))
        if not math.isfinite(self.ke_exponent):
            raise SpecError(
                f"ke_exponent is {self.ke_exponent!r}; expected a finite number", key="ke_exponent"
            )

    def describe(self) -> dict[str, object]:
        """The settings as plain data (for ``run.json`` and project files)."""
        return {
            "rsf": dict(sorted(self.rsf.items())),
            "ke_exponent": self.ke_exponent,
            "use_transmission": self.use_transmission,
            "source": self.source,
            "file_rsf": self.file_rsf,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QuantSettings:
        """Settings from :meth:`describe`'s plain data; missing keys take their defaults.

        Raises
        ------
        SpecError
            Unknown keys or values of the wrong type, naming the key.
        """
        unknown = sorted(set(data) - set(_KEYS))
        if unknown:
            raise SpecError(
                f"unknown quantification setting(s): {', '.join(unknown)}", key=unknown[0]
            )
        out: dict[str, Any] = {}
        if "rsf" in data:
            if not isinstance(data["rsf"], Mapping):
                raise SpecError(f"rsf is {data['rsf']!r}; expected a mapping", key="rsf")
            out["rsf"] = dict(data["rsf"])
        if "ke_exponent" in data:
            value = data["ke_exponent"]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise SpecError(f"ke_exponent is {value!r}; expected a number", key="ke_exponent")
            out["ke_exponent"] = float(value)
        for key in ("use_transmission", "file_rsf"):
            if key in data:
                if not isinstance(data[key], bool):
                    raise SpecError(f"{key} is {data[key]!r}; expected true or false", key=key)
                out[key] = data[key]
        if "source" in data:
            if not isinstance(data["source"], str) or not data["source"].strip():
                raise SpecError(f"source is {data['source']!r}; expected a label", key="source")
            out["source"] = data["source"]
        return cls(**out)
