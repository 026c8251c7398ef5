"""``xpsfit template new | list | check``: build, list and validate fit templates.

* ``xpsfit template new --region "Co 2p" --species Co3+,Co2+ -o co2p.json`` builds a template
  from library species (default: the region's default species) and writes it atomically.
* ``xpsfit template list [--dir DIR]`` lists the default template of every library region and
  the templates in DIR (default: the user template folder).
* ``xpsfit template check FILE...`` validates files and prints physics warnings; the exit code
  is 2 when a file is invalid.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from xpsfit.cli.library import load_quietly
from xpsfit.errors import SpecError
from xpsfit.physics_checks import spec_warnings
from xpsfit.templates import (
    Template,
    load_template,
    save_template,
    template_from_library,
    user_template_dir,
)

__all__ = ["register", "run_check", "run_list", "run_new"]


def register(subparsers: Any) -> None:
    """Add the ``template`` sub-command (``new``, ``list``, ``check``) to the parser."""
    parser = subparsers.add_parser("template", help="build, list and check fit templates")
    sub = parser.add_subparsers(dest="template_command", metavar="ACTION", required=True)
    new = sub.add_parser("new", help="build a template from library species")
    new.add_argument("--region", required=True, help='region label, e.g. "Co 2p"')
    new.add_argument("--species", help="comma-separated species ids (default: the region's)")
    new.add_argument("--alternative", help="alternative value set, e.g. feng2023")
    new.add_argument("--name", help="template name (default: region and species)")
    new.add_argument("--description", default="", help="free text")
    new.add_argument("-o", "--output", required=True, help="template file to write (.json)")
    new.set_defaults(func=run_new)
    lst = sub.add_parser("list", help="list default templates and saved templates")
    lst.add_argument("--dir", help="folder of templates (default: the user template folder)")
    lst.set_defaults(func=run_list)
    check = sub.add_parser("check", help="validate template files")
    check.add_argument("files", nargs="+", help="template files")
    check.set_defaults(func=run_check)


def _warn(messages: list[str]) -> None:
    for message in messages:
        print(f"xpsfit: warning: {message}", file=sys.stderr)


def run_new(args: argparse.Namespace) -> int:
    """Handle ``xpsfit template new``; returns the exit code."""
    library = load_quietly()
    species = None
    if args.species:
        species = [s.strip() for s in args.species.split(",") if s.strip()]
    spec = template_from_library(
        args.region, species, library=library, alternative=args.alternative
    )
    name = args.name or f"{spec.region}: {', '.join(spec.species())}"
    save_template(args.output, Template(spec=spec, name=name, description=args.description))
    _warn([str(w) for w in spec_warnings(spec, library)])
    print(f"wrote {args.output}: {name} ({len(spec.components)} components)")
    return 0


def run_list(args: argparse.Namespace) -> int:
    """Handle ``xpsfit template list``; returns the exit code."""
    library = load_quietly()
    print("default templates (xpsfit template new --region REGION):")
    for region in library.regions():
        level = library.level(region)
        print(f"  {region:<8} {', '.join(level.default_species)}  [{level.background}]")
    folder = Path(args.dir) if args.dir else user_template_dir()
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    print(f"templates in {folder}:" + ("" if files else " none"))
    for path in files:
        try:
            tpl = load_template(path)
        except SpecError as exc:
            print(f"  {path.name}: INVALID: {exc}")
            continue
        print(f"  {path.name}: {tpl.name} [{tpl.spec.region}] {', '.join(tpl.spec.species())}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Handle ``xpsfit template check``; returns 0 when every file is valid, else 2."""
    library = load_quietly()
    code = 0
    for name in args.files:
        try:
            tpl = load_template(name)
        except SpecError as exc:
            print(f"xpsfit: error: {exc}", file=sys.stderr)
            code = 2
            continue
        _warn([f"{name}: {w}" for w in spec_warnings(tpl.spec, library)])
        spec = tpl.spec
        print(
            f"{name}: ok: {tpl.name} [{spec.region}] {len(spec.components)} components, "
            f"species {', '.join(spec.species())}"
        )
    return code
