"""Tabulated unit profiles and the analytic variable-projection Jacobian."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from xpsfit.fitting import prepare
from xpsfit.lineshapes import LINESHAPES, gl, voigt
from xpsfit.models import build
from xpsfit.spec import BackgroundSpec, Doublet, FitSpec, Link, Param, Peak
from xpsfit.spectrum import Spectrum
from xpsfit.unit_profiles import ProfileTables, tabulate
from xpsfit.varpro import Evaluation, Projection

TABULATED = [key for key, shape in LINESHAPES.items() if shape.tabulated]
SHAPE_VALUES = (0.0, 1.0, 30.0, 70.0, 100.0)


def _cases() -> list[tuple[str, dict[str, float]]]:
    out: list[tuple[str, dict[str, float]]] = []
    for key in TABULATED:
        names = LINESHAPES[key].param_names
        out += [(key, {n: m for n in names}) for m in SHAPE_VALUES] if names else [(key, {})]
    return out


@pytest.mark.parametrize(("key", "shape"), _cases())
def test_table_matches_direct_shape(key: str, shape: dict[str, float]) -> None:
    x = np.linspace(-40.0, 40.0, 16001)
    table = tabulate(key, shape, 4000.0)
    func = LINESHAPES[key].func
    for center, fwhm in ((0.0, 1.0), (0.37, 0.05), (-3.1, 2.7)):
        found = table.lookup((x - center) / fwhm)
        assert found is not None
        g, dg = found.values, found.slopes()
        direct = func(x, 1.0, center, fwhm, **shape)
        assert np.max(np.abs(g / fwhm - direct)) < 1e-6 * direct.max()
        h = 1e-6 * fwhm
        slope = func(x, 1.0, center - h, fwhm, **shape) - func(x, 1.0, center + h, fwhm, **shape)
        slope /= 2.0 * h
        assert np.max(np.abs(dg / fwhm**2 - slope)) < 1e-4 * np.max(np.abs(slope))


def test_table_reach_and_cache() -> None:
    table = tabulate("voigt", {"m": 30.0}, 100.0)
    assert table.reach >= 100.0
    assert table.lookup(np.array([-99.0, 0.0, 99.0])) is not None
    assert table.lookup(np.array([0.0, 1e6])) is None
    assert table.lookup(np.array([[-1e6, 0.0], [0.0, 1.0]])) is None
    tables = ProfileTables(100.0)
    assert tables.get("gl", {"m": 30.0}) is tables.get("gl", {"m": 30.0})
    assert tables.get("gl", {"m": 30.0}) is not tables.get("gl", {"m": 20.0})


BE = np.arange(155.0, 172.0, 0.05)


def _spectrum() -> Spectrum:
    rng = np.random.default_rng(5)
    y = (
        300.0
        + gl(BE, 900.0, 161.0, 0.9)
        + gl(BE, 450.0, 162.18, 0.9)
        + voigt(BE, 500.0, 164.0, 1.1)
    )
    y += 0.03 * np.cumsum(y - 300.0) * 0.05 + gl(BE, 200.0, 167.0, 1.4, m=0.0)
    return Spectrum(BE, rng.poisson(y).astype(float))


def _spec(shared_width: bool) -> FitSpec:
    a = Doublet(
        "A", "gl", Param(161.1, 160.0, 162.0), Param(1.0, 0.3, 3.0), Param(1.0, 0.0),
        {"m": Param(30.0, vary=False)}, splitting=Param(1.2, 1.0, 1.4),
        area_ratio=Param(0.5, vary=False),
    )  # fmt: skip
    fwhm = Param(1.0, expr="w * A_fwhm") if shared_width else Param(1.2, 0.3, 3.0)
    b = Peak("B", "voigt", Param(164.1, 163.0, 165.0), fwhm, Param(1.0, 0.0), {"m": Param(30.0)})
    c = Peak(
        "C", "la", Param(0.0, link=Link("B", "offset", 3.0, tolerance=0.5)),
        Param(1.3, 0.3, 3.0), Param(1.0, link=Link("A", "ratio", 0.2, tolerance=0.1)),
        {"alpha": Param(1.5, vary=False), "beta": Param(1.5, vary=False), "m": Param(20.0)},
    )  # fmt: skip
    shared = {"w": Param(1.1, 0.5, 2.0)} if shared_width else {}
    background = BackgroundSpec("active_shirley", params={"slope": Param(0.0)})
    return FitSpec("S 2p", None, background, (a, b, c), shared=shared)


def _assert_matches_finite_differences(proj: Projection, ev: Evaluation) -> None:
    """Every column of the analytic model Jacobian against finite differences."""
    analytic = proj.model_jacobian(ev)
    numeric = _model_fd(proj, ev.theta, ev.linear)
    for i, name in enumerate(proj.model.nonlinear):
        scale = np.max(np.abs(numeric[:, i]))
        assert scale > 0, name
        assert np.max(np.abs(analytic[:, i] - numeric[:, i])) < 2e-4 * scale, name


def _model_fd(proj: Projection, theta: np.ndarray, linear: np.ndarray) -> np.ndarray:
    """Central differences of the weighted model (linear values held), lines evaluated directly."""

    def model(th: np.ndarray) -> np.ndarray:
        values = proj.values(th)
        profiles = np.array(
            [
                LINESHAPES[ln.lineshape].func(
                    proj.be,
                    1.0,
                    values[ln.center],
                    values[ln.fwhm],
                    **{kw: values[n] for kw, n in ln.shape},
                )
                for ln in proj.model.lines
            ]
        )
        const, columns = proj.assemble(values, profiles)
        out: np.ndarray = (const + linear @ columns) * proj.weight
        return out

    jac = np.empty((proj.be.size, theta.size))
    for i in range(theta.size):
        h = 1e-6  # small: the LA line is interpolated linearly between its own grid nodes
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        jac[:, i] = (model(up) - model(down)) / (2.0 * h)
    return jac


@pytest.mark.parametrize("shared_width", [False, True])
def test_analytic_jacobian_matches_finite_differences(shared_width: bool) -> None:
    spec = _spec(shared_width)
    window, sigma = prepare(_spectrum(), spec, "poisson")
    model = build(spec, window)
    assert model.affine is not shared_width  # w * A_fwhm is a product of two fitted values
    proj = Projection(model, np.asarray(window.intensity), sigma)
    assert proj.stack.direct == (2, 3)  # B and C have a free shape parameter m
    start = model.start()
    theta = np.array([start[n] for n in model.nonlinear]) * (1.0 + 1e-3)
    ev = proj.evaluate(theta)
    _assert_matches_finite_differences(proj, ev)
    # the same holds after the line parameters move (the cached derivatives stay valid)
    ev2 = proj.evaluate(theta * (1.0 + 2e-3))
    numeric2 = _model_fd(proj, ev2.theta, ev2.linear)
    assert np.allclose(
        proj.model_jacobian(ev2), numeric2, rtol=0, atol=2e-4 * np.abs(numeric2).max()
    )


@pytest.mark.parametrize(
    "background",
    [
        BackgroundSpec("active_shirley", params={"slope": Param(0.0)}),
        BackgroundSpec("tougaard", params={"B": Param(500.0, 0.0), "C": Param(600.0, 1.0)}),
        BackgroundSpec("shirley"),
    ],
)
def test_jacobian_of_area_factor_and_background_parameters(background: BackgroundSpec) -> None:
    """Parameters that change area factors (a free doublet area ratio) or a fitted background
    (re-assembled with the profiles held) have the finite-difference derivatives too."""
    base = _spec(False)
    doublet = replace(base.components[0], area_ratio=Param(0.5, 0.3, 0.7))
    spec = replace(base, background=background, components=(doublet, *base.components[1:]))
    window, sigma = prepare(_spectrum(), spec, "poisson")
    model = build(spec, window)
    assert "A_area_ratio" in model.nonlinear
    proj = Projection(model, np.asarray(window.intensity), sigma)
    start = model.start()
    theta = np.array([start[n] for n in model.nonlinear]) * (1.0 + 1e-3)
    ev = proj.evaluate(theta)
    _assert_matches_finite_differences(proj, ev)


def test_scattered_table_groups_and_lines_beyond_the_table() -> None:
    """Lines of one table need not be neighbours; a line beyond its table is evaluated directly."""
    peaks = tuple(
        Peak(cid, "gl", Param(c, c - 1, c + 1), Param(1.0, 0.3, 3.0), Param(1.0, 0.0),
             {"m": Param(m, vary=False)})
        for cid, c, m in (("A", 160.0, 30.0), ("B", 163.0, 10.0), ("C", 166.0, 30.0))
    )  # fmt: skip
    spec = FitSpec("S 2p", None, BackgroundSpec("active_shirley"), peaks)
    window, sigma = prepare(_spectrum(), spec, "poisson")
    model = build(spec, window)
    proj = Projection(model, np.asarray(window.intensity), sigma)
    assert sorted(np.atleast_1d(np.arange(3)[rows]).tolist() for _, rows in proj.stack.groups) == [
        [0, 2],
        [1],
    ]
    start = model.start()
    theta = np.array([start[n] for n in model.nonlinear]) * (1.0 + 1e-3)
    ev = proj.evaluate(theta)
    analytic = proj.model_jacobian(ev)
    numeric = _model_fd(proj, theta, ev.linear)
    assert np.allclose(analytic, numeric, rtol=0, atol=2e-4 * np.abs(numeric).max())
    # a center further from the window than the tables reach: its table group (lines A and C)
    # is evaluated directly, the other group still from its table
    centers, fwhms = ev.lines.centers.copy(), ev.lines.fwhms
    centers[2] = proj.be[0] - 2.0 * model.tables.reach * fwhms[2]
    lp = proj.stack.evaluate(centers, fwhms, ev.lines.shapes)
    assert lp.tabulated.tolist() == [False, True, False]
    shapes = (30.0, 10.0, 30.0)
    direct = [gl(proj.be, 1.0, c, w, m=m) for c, w, m in zip(centers, fwhms, shapes, strict=True)]
    assert np.array_equal(lp.profiles[[0, 2]], np.array(direct)[[0, 2]])
    assert np.max(np.abs(lp.profiles[1] - direct[1])) < 1e-6 * direct[1].max()
