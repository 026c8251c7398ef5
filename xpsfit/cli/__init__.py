"""The ``xpsfit`` command.

Each sub-command lives in its own module under :mod:`xpsfit.cli` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a handler taking the parsed
arguments and returning an exit code. Packages that extend xpsfit (the desktop application)
add commands through the ``xpsfit.commands`` entry-point group with the same ``register``
signature, so the core never imports them.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points

from xpsfit import __version__
from xpsfit.errors import XpsfitError

#: Built-in sub-command modules.
COMMAND_MODULES: tuple[str, ...] = (
    "xpsfit.cli.fit",
    "xpsfit.cli.info",
    "xpsfit.cli.profile",
    "xpsfit.cli.batch",
    "xpsfit.cli.demo",
    "xpsfit.cli.template",
    "xpsfit.cli.library",
)

log = logging.getLogger("xpsfit")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every built-in and plug-in sub-command."""
    parser = argparse.ArgumentParser(prog="xpsfit", description="XPS depth-profile peak fitting.")
    parser.add_argument("--version", action="version", version=f"xpsfit {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    for ep in entry_points(group="xpsfit.commands"):
        try:
            ep.load()(sub)
        except ImportError as exc:  # an optional extra that is not installed
            log.debug("command %s unavailable: %s", ep.name, exc)
    return parser


def _error(message: str) -> int:
    print(f"xpsfit: error: {message}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 success, 2 bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s"
    )
    if args.command is None:
        parser.print_help()
        return 2
    try:
        code: int = args.func(args)
    except XpsfitError as exc:
        return _error(str(exc))
    except OSError as exc:
        return _error(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
    except KeyboardInterrupt:
        return _error("interrupted")
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
