"""The cited reference peak library: core-level physics and species binding energies.

The shipped library is one TOML file per element in the package ``xpsfit.reference_peaks``
(``reference_peaks/`` in the source tree; layout in its ``README.md``). Users add files of the
same layout to their own folder, :func:`user_library_dir` (``XPSFIT_LIBRARY_PATH`` overrides
it); those merge over the shipped library, and every conflict (a level setting or species that
the user file redefines) is reported as a :class:`LibraryConflictWarning` and kept in
:attr:`Library.conflicts`.
"""

from __future__ import annotations

import importlib.resources
import logging
import os
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from types import MappingProxyType

import platformdirs

from xpsfit.errors import SpecError
from xpsfit.reference_parse import parse_element_file, read_element_file
from xpsfit.reference_schema import (
    Alternative,
    CoreLevel,
    Satellite,
    Species,
)

__all__ = [
    "LIBRARY_ENV",
    "Alternative",
    "CoreLevel",
    "Library",
    "LibraryConflictWarning",
    "Satellite",
    "Species",
    "load_library",
    "normalize_region",
    "parse_element_file",
    "read_element_file",
    "shipped_library_files",
    "user_library_dir",
]

#: Environment variable naming the user library folder (overrides the platformdirs folder).
LIBRARY_ENV = "XPSFIT_LIBRARY_PATH"

log = logging.getLogger(__name__)


class LibraryConflictWarning(UserWarning):
    """A user library file redefines a shipped level setting or species."""


def normalize_region(region: str) -> str:
    """Canonical lookup key of a region label: ``"Co 2p"``, ``"co2p"``, ``" Co  2p "`` -> ``"co2p"``."""
    return "".join(region.split()).lower()


# -- the merged library ------------------------------------------------------------------------
@dataclass(frozen=True)
class Library:
    """All core levels by region, after merging the user library over the shipped one.

    Attributes
    ----------
    levels
        Core levels keyed by :func:`normalize_region` of their region.
    conflicts
        One message per user redefinition of a shipped setting or species.
    """

    levels: Mapping[str, CoreLevel]
    conflicts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "levels", MappingProxyType(dict(self.levels)))

    def regions(self) -> list[str]:
        """Region labels sorted by element then orbital."""
        return sorted((lv.region for lv in self.levels.values()), key=str.lower)

    def level(self, region: str) -> CoreLevel:
        """The core level of a region (``"Co 2p"``, spacing and case ignored).

        Raises
        ------
        SpecError
            If the library has no such region (the message lists the known ones).
        """
        try:
            return self.levels[normalize_region(region)]
        except KeyError:
            known = ", ".join(self.regions())
            raise SpecError(
                f"no library entry for region {region!r} (known: {known})", key="region"
            ) from None

    def find(self, region: str) -> CoreLevel | None:
        """The core level of a region, or ``None``."""
        return self.levels.get(normalize_region(region))


def shipped_library_files() -> list[Path]:
    """The element files shipped with xpsfit, sorted by name."""
    try:
        root = importlib.resources.files("xpsfit.reference_peaks")
        files = [Path(str(f)) for f in root.iterdir() if f.name.endswith(".toml")]
    except ModuleNotFoundError:
        files = []
    if not files:
        files = list((Path(__file__).parents[1] / "reference_peaks").glob("*.toml"))
    return sorted(files, key=lambda p: p.name)


def user_library_dir() -> Path:
    """The user library folder: ``$XPSFIT_LIBRARY_PATH`` or ``user_data_dir("xpsfit")/reference_peaks``."""
    env = os.environ.get(LIBRARY_ENV)
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("xpsfit")) / "reference_peaks"


def _merge_level(old: CoreLevel, new: CoreLevel, conflicts: list[str]) -> CoreLevel:
    """User level ``new`` over shipped ``old``: new settings win, species merge by id."""
    skip = {"species", "default_species", "file", "source", "notes"}
    for f in fields(CoreLevel):
        if f.name not in skip and getattr(old, f.name) != getattr(new, f.name):
            conflicts.append(
                f"{new.file}: {new.region} {f.name} = {getattr(new, f.name)!r} overrides the "
                f"shipped {getattr(old, f.name)!r} ({old.file})"
            )
    species = {s.id: s for s in old.species}
    for sp in new.species:
        if sp.id in species and species[sp.id] != sp:
            conflicts.append(
                f"{new.file}: {new.region} species {sp.id!r} ({sp.binding_energy!r} eV) overrides "
                f"the shipped one ({species[sp.id].binding_energy!r} eV, {old.file})"
            )
        species[sp.id] = sp
    return replace(new, species=tuple(species.values()))


def load_library(user_dir: Path | None = None, *, include_user: bool = True) -> Library:
    """Load the shipped library and merge the user library over it.

    Parameters
    ----------
    user_dir
        Folder of user element files; default :func:`user_library_dir`. A missing folder is
        not an error.
    include_user
        False loads the shipped library only.

    Returns
    -------
    Library
        The merged library. Each conflict is also issued as a
        :class:`LibraryConflictWarning`.

    Raises
    ------
    SpecError
        When a shipped or user file is invalid (naming the file and the key), or one folder
        defines the same region twice.
    """
    levels = _collect(shipped_library_files())
    conflicts: list[str] = []
    folder = user_dir if user_dir is not None else user_library_dir()
    if include_user and folder.is_dir():
        for key, level in _collect(sorted(folder.glob("*.toml"))).items():
            old = levels.get(key)
            levels[key] = level if old is None else _merge_level(old, level, conflicts)
    for message in conflicts:
        log.warning("%s", message)
        warnings.warn(message, LibraryConflictWarning, stacklevel=2)
    return Library(levels=levels, conflicts=tuple(conflicts))


def _collect(files: Iterable[Path]) -> dict[str, CoreLevel]:
    out: dict[str, CoreLevel] = {}
    for path in files:
        for level in read_element_file(path):
            key = normalize_region(level.region)
            if key in out:
                raise SpecError(
                    f"region {level.region!r} is also defined in {out[key].file}",
                    source=str(path),
                    key=f"levels.{level.orbital}",
                )
            out[key] = level
    return out
