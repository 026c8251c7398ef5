"""Reuse of the structural parts of built models across fits of the same model.

A depth profile fits one template at every level, and Monte Carlo refits one model many times:
the specs differ only in parameter values (and the data), so the compiled constraint block,
the linear/nonlinear split and the unit-profile tables are the same. :class:`ModelCache` keeps
them, keyed by the structure of the parameter table (names, expressions, vary flags, which
bounds are infinite, roles, proportionality links, lines); values and finite bounds are not
part of the key, since nothing cached depends on them. A cache lives as long as its owner:
:func:`xpsfit.fitting.fit` and the depth-profile workers share one per process
(:func:`xpsfit.fitting.shared_fitter`), so repeated fits of a template in a session or a batch
compile it once. A cache is safe to share between threads.
"""

from __future__ import annotations

import ast
import math
import threading
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from types import CodeType
from typing import TYPE_CHECKING

from xpsfit import expressions
from xpsfit.errors import SpecError
from xpsfit.model_linear import line_roots, linear_params
from xpsfit.unit_profiles import ProfileTables

if TYPE_CHECKING:
    from xpsfit.models import LineDef, ParamDef

__all__ = ["MAX_STRUCTURES", "ModelCache", "Structure", "structure"]


@dataclass(frozen=True, eq=False)
class Structure:
    """What a model's parameter table implies, independent of values and finite bounds.

    Parameters
    ----------
    code
        The compiled constraint block (expressions in evaluation order).
    free, linear, nonlinear
        Free parameter names, and their split into those solved by projection and those the
        minimiser varies.
    line_roots
        Per line, the index in ``linear`` its area is proportional to (-1 if none).
    affine
        True when every expression is affine in the nonlinear free parameters.
    arithmetic
        True when every expression is plain arithmetic
        (:func:`xpsfit.expressions.is_arithmetic`): the code then runs on arrays of points.
    """

    code: CodeType
    free: tuple[str, ...]
    linear: tuple[str, ...]
    nonlinear: tuple[str, ...]
    line_roots: tuple[int, ...]
    affine: bool
    arithmetic: bool


def _constraints(
    params: Sequence[ParamDef],
) -> tuple[dict[str, ast.Expression], dict[str, set[str]], list[str]]:
    """Parsed expressions, the names each uses, and an evaluation order."""
    trees: dict[str, ast.Expression] = {}
    deps: dict[str, set[str]] = {}
    known = {p.name for p in params}
    for p in params:
        if p.expr is not None:
            tree = expressions.parse(p.expr)
            used = expressions.tree_names(tree)
            unknown = sorted(used - known)
            if unknown:
                raise SpecError(f"expression of {p.name} uses unknown name(s) {', '.join(unknown)}")
            trees[p.name], deps[p.name] = tree, used
    return trees, deps, expressions.topological_order(deps)


def structure(params: Sequence[ParamDef], lines: Sequence[LineDef], areas: set[str]) -> Structure:
    """Compile the constraints of a parameter table and split its free parameters.

    Raises
    ------
    SpecError
        Unknown names in expressions, constraint cycles.
    """
    table = tuple(params)
    trees, deps, order = _constraints(table)
    code = expressions.compile_assignments([(n, trees[n]) for n in order])
    free = tuple(p.name for p in table if p.is_free)
    linear = linear_params(table, deps, areas)
    nonlinear = tuple(n for n in free if n not in linear)
    varying = set(nonlinear)
    affine = True
    for n in order:
        if deps[n] & varying:
            varying.add(n)
            affine = affine and expressions.is_affine(trees[n], varying)
    roots = line_roots(lines, table, linear)
    arithmetic = all(expressions.is_arithmetic(tree) for tree in trees.values())
    return Structure(code, free, linear, nonlinear, roots, affine, arithmetic)


def _key(params: Sequence[ParamDef], lines: Sequence[LineDef]) -> Hashable:
    rows = tuple((p.name, p.expr, p.vary, p.role, p.linear_ref, p.max == math.inf) for p in params)
    return rows, tuple(lines)


#: Structures a cache keeps; the oldest is dropped beyond this (a long editing session
#: creates a new structure with every change of a vary flag or a constraint).
MAX_STRUCTURES = 64


class ModelCache:
    """Structures and unit-profile tables of the models built through it (see module doc)."""

    def __init__(self) -> None:
        self._structures: dict[Hashable, Structure] = {}
        self._tables: dict[float, ProfileTables] = {}
        self._lock = threading.Lock()

    def after_fork(self) -> None:
        """Give a forked child its own unlocked lock (another thread of the parent may have
        held the lock at the fork, and no thread of the child would ever release it)."""
        self._lock = threading.Lock()

    def structure(
        self, params: Sequence[ParamDef], lines: Sequence[LineDef], areas: set[str]
    ) -> Structure:
        """The structure of this parameter table (compiled on first use)."""
        key = _key(params, lines)
        with self._lock:
            found = self._structures.get(key)
        if found is None:
            found = structure(params, lines, areas)
            with self._lock:
                if len(self._structures) >= MAX_STRUCTURES:
                    del self._structures[next(iter(self._structures))]
                self._structures[key] = found
        return found

    def tables(self, reach: float) -> ProfileTables:
        """Unit-profile tables reaching at least ``reach`` FWHMs.

        The reach is rounded up to a power of two, and each rounded reach has its own tables:
        a fit gets the same tables, hence the same numbers, whatever was fitted before it.
        """
        bucket = 2.0 ** math.ceil(math.log2(max(reach, 1.0)))
        with self._lock:
            tables = self._tables.get(bucket)
            if tables is None:
                tables = self._tables[bucket] = ProfileTables(bucket)
        return tables
