"""Which free parameters of a model enter it linearly, and which linear parameter scales each line.

A free area (or the background offset and slope) with no upper bound is *linear* when every
parameter that depends on it, directly or through others, is proportional to it (ratio or equal
links, doublet minor areas). The fit solves linear parameters by projection
(:mod:`xpsfit.varpro`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xpsfit.models import LineDef, ParamDef

__all__ = ["line_roots", "linear_params"]


def linear_params(
    params: tuple[ParamDef, ...], deps: Mapping[str, set[str]], areas: set[str]
) -> tuple[str, ...]:
    """Free parameters the model is linear in (solved by projection).

    A free area (or the background offset/slope) with no upper bound qualifies when every
    parameter that depends on it, directly or through others, is proportional to it.
    """
    by_name = {p.name: p for p in params}
    dependents: dict[str, list[str]] = {}
    for name, used in deps.items():
        for u in used:
            dependents.setdefault(u, []).append(name)

    def proportional_chain(name: str) -> bool:
        stack = [name]
        while stack:
            cur = stack.pop()
            for dep in dependents.get(cur, ()):
                if by_name[dep].linear_ref != cur:
                    return False
                stack.append(dep)
        return True

    return tuple(
        p.name
        for p in params
        if p.is_free
        and p.max == math.inf
        and (p.name in areas or p.name in ("bg_offset", "bg_slope"))
        and proportional_chain(p.name)
    )


def line_roots(
    lines: Sequence[LineDef], params: tuple[ParamDef, ...], linear: tuple[str, ...]
) -> tuple[int, ...]:
    """For each line, the index in ``linear`` of the parameter its area is proportional to
    (-1 when its area is not proportional to a linear parameter)."""
    by_name = {p.name: p for p in params}
    roots = []
    for ln in lines:
        cur: str | None = ln.area
        while cur is not None and cur not in linear:
            cur = by_name[cur].linear_ref
        roots.append(-1 if cur is None else linear.index(cur))
    return tuple(roots)
