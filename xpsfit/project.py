"""The project file: spectra, fit specifications, results, templates and settings in one zip.

Layout of a project file (a plain zip; nothing is pickled)::

    manifest.json               format name, schema version, xpsfit version, sha256 per member
    project.json                spectrum ids and metadata, specs, results (scalars), templates,
                                settings
    arrays/<name>.npy           every array at full float64 precision

Saving writes the whole zip to a temporary file beside the target, fsyncs it and renames it over
the target (:func:`xpsfit.atomic.write_bytes_atomic`); the previous file is first kept as
``<name>.bak`` (itself written atomically), so an interrupted save leaves either the old or the
new project intact. Loading checks every member's checksum before decoding anything.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from xpsfit import __version__
from xpsfit.atomic import write_bytes_atomic
from xpsfit.errors import ParseError, XpsfitError
from xpsfit.project_codec import ArrayStore, result_from_json, result_to_json
from xpsfit.spec import FitSpec
from xpsfit.specjson import spec_from_dict, spec_to_dict
from xpsfit.spectrum import Spectrum
from xpsfit.templates import Template, template_from_dict, template_to_dict

FORMAT_NAME = "xpsfit-project"
SCHEMA_VERSION = 1
#: Extension of project files.
PROJECT_SUFFIX = ".xpsproj"
_MAX_MEMBER_BYTES = 1024 * 1024 * 1024

__all__ = [
    "PROJECT_SUFFIX",
    "Project",
    "backup_path",
    "load_project",
    "project_bytes",
    "save_project",
    "spectrum_id",
]


def _ro(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Project:
    """Everything a project file holds; immutable.

    Parameters
    ----------
    spectra
        Spectra by stable spectrum id (see :func:`spectrum_id`), in display order.
    specs
        The fit specification of each spectrum, by spectrum id.
    results
        The latest fit result of each fitted spectrum, by spectrum id.
    templates
        Fit templates by name.
    settings
        JSON-able settings (sputter rate, charge reference...).
    """

    spectra: Mapping[str, Spectrum] = field(default_factory=dict)
    specs: Mapping[str, FitSpec] = field(default_factory=dict)
    results: Mapping[str, Any] = field(default_factory=dict)
    templates: Mapping[str, Template] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("spectra", "specs", "results", "templates", "settings"):
            object.__setattr__(self, name, _ro(getattr(self, name)))
        for name in ("specs", "results"):
            unknown = sorted(set(getattr(self, name)) - set(self.spectra))
            if unknown:
                raise XpsfitError(f"project {name} refer to unknown spectra: {unknown}")


def spectrum_id(spectrum: Spectrum, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A stable id for a spectrum: a hash of where it came from, unique among ``taken``.

    The same file read twice gives the same ids, so a reopened project keeps its keys.
    """
    key = "\x1f".join(
        str(v)
        for v in (
            spectrum.source_file,
            spectrum.block,
            spectrum.sample,
            spectrum.region,
            spectrum.etch_level,
            spectrum.etch_time,
        )
    )
    base = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    sid, n = base, 1
    while sid in taken:
        sid = f"{base}-{n}"
        n += 1
    return sid


# -- spectra ----------------------------------------------------------------------------------
_SPECTRUM_SCALARS = (
    "region",
    "element",
    "transition",
    "source_label",
    "source_energy",
    "pass_energy",
    "scans",
    "dwell_time",
    "sample",
    "source_file",
    "block",
    "etch_level",
    "etch_time",
)


def _plain(value: Any) -> Any:
    """Metadata value -> JSON, keeping tuples distinguishable from lists."""
    if isinstance(value, tuple):
        return {"__tuple__": [_plain(v) for v in value]}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _unplain(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__tuple__"}:
            return tuple(_unplain(v) for v in value["__tuple__"])
        return {k: _unplain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unplain(v) for v in value]
    return value


def _spectrum_to_json(sid: str, spectrum: Spectrum, store: ArrayStore) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(spectrum, name) for name in _SPECTRUM_SCALARS}
    out["binding_energy"] = store.put(f"spectra/{sid}/binding_energy", spectrum.binding_energy)
    out["intensity"] = store.put(f"spectra/{sid}/intensity", spectrum.intensity)
    if spectrum.uncertainty is not None:
        out["uncertainty"] = store.put(f"spectra/{sid}/uncertainty", spectrum.uncertainty)
    out["metadata"] = _plain(dict(spectrum.metadata))
    return out


def _spectrum_from_json(data: Mapping[str, Any], store: ArrayStore) -> Spectrum:
    unc = data.get("uncertainty")
    return Spectrum(
        binding_energy=store.get(data["binding_energy"]),
        intensity=store.get(data["intensity"]),
        uncertainty=None if unc is None else store.get(unc),
        metadata=_unplain(data.get("metadata", {})),
        **{name: data[name] for name in _SPECTRUM_SCALARS if name in data},
    )


# -- the zip ----------------------------------------------------------------------------------
def project_bytes(project: Project) -> bytes:
    """Encode a project as the bytes of a project file (see the module docstring)."""
    store = ArrayStore()
    body = {
        "spectra": [
            {"id": sid, **_spectrum_to_json(sid, sp, store)} for sid, sp in project.spectra.items()
        ],
        "specs": {sid: spec_to_dict(spec) for sid, spec in project.specs.items()},
        "results": {
            sid: result_to_json(res, f"results/{sid}", store)
            for sid, res in project.results.items()
        },
        "templates": {name: template_to_dict(t) for name, t in project.templates.items()},
        "settings": _plain(dict(project.settings)),
    }
    members: dict[str, bytes] = {
        "project.json": json.dumps(body, indent=1, allow_nan=False).encode("utf-8")
    }
    members.update(store.members())
    manifest = {
        "format": FORMAT_NAME,
        "schema_version": SCHEMA_VERSION,
        "xpsfit_version": __version__,
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in members.items()},
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("manifest.json", json.dumps(manifest, indent=1))
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def backup_path(path: str | Path) -> Path:
    """Where :func:`save_project` keeps the previous version of ``path`` (``<name>.bak``)."""
    p = Path(path)
    return p.with_name(p.name + ".bak")


def save_project(path: str | Path, project: Project, *, backup: bool = True) -> Path:
    """Write a project file atomically.

    Parameters
    ----------
    path
        Destination; the folder is created if needed.
    project
        What to save.
    backup
        Keep the file being replaced as ``<name>.bak`` (written atomically first).

    Returns
    -------
    pathlib.Path
        The written file.
    """
    target = Path(path)
    data = project_bytes(project)
    if backup and target.is_file():
        write_bytes_atomic(backup_path(target), target.read_bytes())
    write_bytes_atomic(target, data)
    return target


def _read_members(path: Path) -> dict[str, bytes]:
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise ParseError(f"not a project file ({exc})", file=str(path)) from exc
    with zf:
        try:
            manifest = json.loads(zf.read("manifest.json"))
        except (KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise ParseError(f"missing or broken manifest ({exc})", file=str(path)) from exc
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
            raise ParseError("not an xpsfit project", file=str(path), field="format")
        if manifest.get("schema_version") != SCHEMA_VERSION:
            raise ParseError(
                f"unsupported schema version {manifest.get('schema_version')!r} "
                f"(this version reads {SCHEMA_VERSION})",
                file=str(path),
                field="schema_version",
            )
        members: dict[str, bytes] = {}
        for name, digest in dict(manifest.get("files", {})).items():
            try:
                info = zf.getinfo(name)
                if info.file_size > _MAX_MEMBER_BYTES:
                    raise ParseError("member too large", file=str(path), field=name)
                data = zf.read(name)
            except (KeyError, zipfile.BadZipFile, OSError) as exc:
                raise ParseError(f"member unreadable ({exc})", file=str(path), field=name) from exc
            if hashlib.sha256(data).hexdigest() != digest:
                raise ParseError("checksum mismatch", file=str(path), field=name)
            members[name] = data
    if "project.json" not in members:
        raise ParseError("project.json missing", file=str(path), field="project.json")
    return members


def load_project(path: str | Path) -> Project:
    """Read a project file written by :func:`save_project`.

    Raises
    ------
    ParseError
        If the file is not a project, a checksum does not match, or a member is malformed
        (naming the member).
    """
    p = Path(path)
    members = _read_members(p)
    store = ArrayStore(members)
    try:
        body = json.loads(members["project.json"])
        spectra = {d["id"]: _spectrum_from_json(d, store) for d in body["spectra"]}
        specs = {sid: spec_from_dict(d) for sid, d in body["specs"].items()}
        results = {sid: result_from_json(d, store) for sid, d in body["results"].items()}
        templates = {
            name: template_from_dict(d, f"{p}:templates.{name}")
            for name, d in body["templates"].items()
        }
        settings = _unplain(body.get("settings", {}))
        return Project(spectra, specs, results, templates, settings)
    except ParseError as exc:
        if exc.file is not None:
            raise
        raise ParseError(exc.message, file=str(p), line=exc.line, field=exc.field) from exc
    except (KeyError, TypeError, ValueError, XpsfitError) as exc:
        raise ParseError(
            f"malformed project content: {exc!r}", file=str(p), field="project.json"
        ) from exc
