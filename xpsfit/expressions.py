"""Safe arithmetic expressions: validation, dependencies and compilation.

Parameter expressions (``"Co3p_center + 1.5"``) and fraction definitions
(``"Co2+ / (Co2+ + Co3+)"``) are user text from templates. They are parsed with :mod:`ast` and
accepted only when every node is a number, a name, an arithmetic operator or a call of a small
set of math functions, so compiling them for fast evaluation is safe: no attribute access, no
subscripts, no builtins.
"""

from __future__ import annotations

import ast
import keyword
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from types import CodeType, MappingProxyType
from typing import Any

from xpsfit.errors import SpecError

#: Functions a parameter expression may call (scalar math).
FUNCTIONS: Mapping[str, Callable[..., float]] = MappingProxyType(
    {
        "abs": abs,
        "sqrt": math.sqrt,
        "exp": math.exp,
        "log": math.log,
        "log10": math.log10,
        "sin": math.sin,
        "cos": math.cos,
        "tan": math.tan,
        "min": min,
        "max": max,
    }
)
#: Constants a parameter expression may use.
CONSTANTS: Mapping[str, float] = MappingProxyType({"pi": math.pi, "e": math.e})

_PARAM_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)
_FRACTION_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div)


def is_identifier(name: str) -> bool:
    """True when ``name`` can name a parameter (a Python identifier, not a keyword or builtin)."""
    return (
        name.isidentifier()
        and not keyword.iskeyword(name)
        and name not in FUNCTIONS
        and name not in CONSTANTS
    )


def _check_node(node: ast.AST, expr: str, *, calls: bool, binops: tuple[type, ...]) -> None:
    if isinstance(node, ast.Expression):
        _check_node(node.body, expr, calls=calls, binops=binops)
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise SpecError(f"expression {expr!r}: only numbers are allowed as constants")
    elif isinstance(node, ast.Name):
        pass
    elif isinstance(node, ast.BinOp) and isinstance(node.op, binops):
        _check_node(node.left, expr, calls=calls, binops=binops)
        _check_node(node.right, expr, calls=calls, binops=binops)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        _check_node(node.operand, expr, calls=calls, binops=binops)
    elif (
        calls
        and isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in FUNCTIONS
        and not node.keywords
        and node.args
    ):
        for arg in node.args:
            _check_node(arg, expr, calls=calls, binops=binops)
    else:
        what = type(node).__name__
        raise SpecError(f"expression {expr!r}: {what} is not allowed (use + - * / and numbers)")


def parse(expr: str, *, allow_calls: bool = True) -> ast.Expression:
    """Parse and validate an arithmetic expression.

    Parameters
    ----------
    expr
        The expression text.
    allow_calls
        Allow ``**`` and calls of :data:`FUNCTIONS` (parameter expressions); fractions use
        only ``+ - * /``.

    Returns
    -------
    ast.Expression
        The validated syntax tree.

    Raises
    ------
    SpecError
        On a syntax error or a disallowed construct.
    """
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError as exc:
        raise SpecError(f"expression {expr!r} is not valid arithmetic: {exc.msg}") from None
    binops = _PARAM_BINOPS if allow_calls else _FRACTION_BINOPS
    _check_node(tree, expr, calls=allow_calls, binops=binops)
    return tree


def names(expr: str, *, allow_calls: bool = True) -> set[str]:
    """The variable names an expression uses (functions and constants excluded).

    Raises
    ------
    SpecError
        If the expression is invalid.
    """
    return tree_names(parse(expr, allow_calls=allow_calls))


def tree_names(tree: ast.Expression) -> set[str]:
    """The variable names a parsed expression uses (functions and constants excluded)."""
    called = {
        n.func.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return used - called - set(CONSTANTS)


def topological_order(deps: Mapping[str, Iterable[str]]) -> list[str]:
    """Order names so that each comes after the names it depends on.

    Parameters
    ----------
    deps
        For each name, the names it depends on (names not in ``deps`` are inputs).

    Raises
    ------
    SpecError
        On a dependency cycle, naming one parameter of the cycle.
    """
    order: list[str] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(name: str) -> None:
        stack = [(name, iter(deps[name]))]
        state[name] = 1
        while stack:
            node, it = stack[-1]
            for dep in it:
                if dep not in deps or state.get(dep) == 2:
                    continue
                if state.get(dep) == 1:
                    raise SpecError(f"constraint cycle through parameter {dep!r}")
                state[dep] = 1
                stack.append((dep, iter(deps[dep])))
                break
            else:
                stack.pop()
                state[node] = 2
                order.append(node)

    for name in deps:
        if state.get(name) != 2:
            visit(name)
    return order


def compile_assignments(assignments: Sequence[tuple[str, str | ast.Expression]]) -> CodeType:
    """Compile ``name = expression`` statements into one code object.

    Each expression is text (validated here) or a tree from :func:`parse`. Run the code with
    :func:`run` on a namespace holding every input value.
    """
    body: list[ast.stmt] = []
    for name, expr in assignments:
        if not is_identifier(name):
            raise SpecError(f"invalid parameter name {name!r}")
        tree = parse(expr) if isinstance(expr, str) else expr
        target = ast.Name(id=name, ctx=ast.Store())
        body.append(ast.Assign(targets=[target], value=tree.body, lineno=1))
    module = ast.fix_missing_locations(ast.Module(body=body, type_ignores=[]))
    return compile(module, "<xpsfit-constraints>", "exec")


def _affine(node: ast.AST, varying: AbstractSet[str]) -> tuple[bool, bool]:
    """(affine in ``varying``, independent of ``varying``) for a validated expression node."""
    if isinstance(node, ast.Constant):
        return True, True
    if isinstance(node, ast.Name):
        return True, node.id not in varying
    if isinstance(node, ast.UnaryOp):
        return _affine(node.operand, varying)
    if isinstance(node, ast.BinOp):
        (aff_l, const_l), (aff_r, const_r) = (
            _affine(node.left, varying),
            _affine(node.right, varying),
        )
        const = const_l and const_r
        if isinstance(node.op, ast.Add | ast.Sub):
            return aff_l and aff_r, const
        if isinstance(node.op, ast.Mult):
            return aff_l and aff_r and (const_l or const_r), const
        if isinstance(node.op, ast.Div):
            return aff_l and const_r, const
        return const, const
    const = all(_affine(arg, varying)[1] for arg in ast.iter_child_nodes(node))
    return const, const


def is_affine(tree: ast.Expression, varying: AbstractSet[str]) -> bool:
    """True when a parsed expression is affine (constant plus linear) in the names ``varying``.

    Names outside ``varying`` count as constants; ``**`` and function calls are affine only
    when they do not involve ``varying``.
    """
    return _affine(tree.body, varying)[0]


_ARITHMETIC_NODES = (
    ast.Expression, ast.Name, ast.Load, ast.Constant, ast.BinOp, ast.Add, ast.Sub, ast.Mult,
    ast.Div, ast.UnaryOp, ast.UAdd, ast.USub,
)  # fmt: skip


def is_arithmetic(tree: ast.Expression) -> bool:
    """True when a parsed expression uses only names, numbers, signs and ``+ - * /``.

    Compiled assignments of such expressions, run (:func:`run`) on a namespace of
    :class:`numpy.ndarray` values, give in each element exactly the value they give on the
    floats of that element (IEEE ``+ - * /`` are correctly rounded either way).
    """
    return all(isinstance(node, _ARITHMETIC_NODES) for node in ast.walk(tree))


#: What compiled assignments see besides their namespace: the functions and constants only.
_GLOBALS: dict[str, Any] = {"__builtins__": {}, **FUNCTIONS, **CONSTANTS}


def run(code: CodeType, namespace: dict[str, Any]) -> None:
    """Execute compiled assignments in ``namespace`` (updated in place; values are floats, or
    arrays when every expression :func:`is_arithmetic`)."""
    exec(code, _GLOBALS, namespace)
