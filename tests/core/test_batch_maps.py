"""Maps of a batch run: a 20 x 15 grid whose Co2+ fraction grows with x comes back in the
fraction map; atomic % maps sum to 100; VAMAS MAP blocks carry their x/y positions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from xpsfit.batch import fit_many
from xpsfit.io.vamas import parse_vamas_bytes
from xpsfit.io.vamas_write import write_vamas
from xpsfit.lineshapes import evaluate
from xpsfit.spec import BackgroundSpec, FitSpec, FractionDef, Param, Peak
from xpsfit.spectrum import Spectrum

NX, NY = 20, 15
CO_BE = np.linspace(774.0, 788.0, 60)
O_BE = np.linspace(525.0, 535.0, 40)
FRACTION = "Co2+ fraction"


def _peak(name: str, center: float) -> Peak:
    return Peak(name, "gl", Param(center, center - 0.5, center + 0.5), Param(1.4, 0.8, 2.5),
                Param(1000.0, 0.0), shape={"m": Param(30.0, vary=False)})  # fmt: skip


def templates() -> list[FitSpec]:
    co = FitSpec(
        region="Co 2p",
        background=BackgroundSpec("linear"),
        components=(_peak("Co3+", 779.8), _peak("Co2+", 781.6)),
        fractions=(FractionDef(FRACTION, "Co2+ / (Co2+ + Co3+)"),),
    )
    o = FitSpec(region="O 1s", background=BackgroundSpec("linear"), components=(_peak("O", 530.0),))
    return [co, o]


def truth(x: int) -> float:
    return 0.1 + 0.8 * x / (NX - 1)


def map_spectra(rng: np.random.Generator) -> list[Spectrum]:
    out = []
    common = {"source_label": "Al Ka", "source_energy": 1486.6, "sample": "cathode"}
    for y in range(NY):
        for x in range(NX):
            meta = {"x": float(x), "y": float(y)}
            f = truth(x)
            co = evaluate("gl", CO_BE, 20000.0 * (1 - f), 779.8, 1.4, m=30.0)
            co += evaluate("gl", CO_BE, 20000.0 * f, 781.6, 1.4, m=30.0) + 200.0
            o = evaluate("gl", O_BE, 8000.0, 530.0, 1.4, m=30.0) + 100.0
            out.append(Spectrum(CO_BE, rng.poisson(co).astype(float), region="Co 2p",
                                element="Co", transition="2p", metadata=meta, **common))  # fmt: skip
            out.append(Spectrum(O_BE, rng.poisson(o).astype(float), region="O 1s",
                                element="O", transition="1s", metadata=meta, **common))  # fmt: skip
    return out


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("map")
    spectra = map_spectra(np.random.default_rng(20))
    half = len(spectra) // 2
    write_vamas(folder / "a.vms", spectra[:half])
    write_vamas(folder / "b.vms", spectra[half:])
    result = fit_many([folder / "a.vms", folder / "b.vms"], templates(), folder / "out", jobs=2)
    assert result.counts == {"ok": 2 * NX * NY}
    return folder / "out"


def test_fraction_map_recovers_the_gradient(run: Path) -> None:
    grid = np.load(run / "maps" / "cathode_Co_2p_Co2+_fraction.npy")
    assert grid.shape == (NY, NX)
    assert np.load(run / "maps" / "cathode_x.npy").tolist() == list(range(NX))
    assert np.load(run / "maps" / "cathode_y.npy").tolist() == list(range(NY))
    expected = np.array([truth(x) for x in range(NX)])
    assert np.max(np.abs(grid - expected[None, :])) < 0.03
    assert np.max(np.abs(grid.mean(axis=0) - expected)) < 0.01


def test_atomic_maps_and_files(run: Path) -> None:
    co = np.load(run / "maps" / "cathode_atomic_Co.npy")
    o = np.load(run / "maps" / "cathode_atomic_O.npy")
    np.testing.assert_allclose(co + o, 100.0)
    assert 0.0 < float(co.min()) < float(co.max()) < 100.0
    rows = (run / "maps" / "cathode_Co_2p_Co2+_fraction.csv").read_text().splitlines()
    assert rows[0].split(",")[:3] == ["y \\ x", "0.0", "1.0"]
    assert len(rows) == NY + 1
    png = (run / "maps" / "cathode_atomic_Co.png").read_bytes()
    assert png.startswith(b"\x89PNG")


def test_vamas_map_blocks_carry_positions() -> None:
    head = [
        "VAMAS Surface Chemical Analysis Standard Data Transfer Format 1988 May 4",
        "inst", "model", "op", "exp", "0", "MAP", "REGULAR", "1", "2", "20", "15",
        "0", "0", "0", "0", "0", "1",
    ]  # fmt: skip
    block = ["blk", "cathode", "2020", "1", "2", "3", "4", "5", "0", "0", "XPS", "7", "3"]
    block += ["Al", "1486.6", "1e37", "1e37", "1e37", "400", "300", "54", "0", "FAT", "20"]
    block += ["1e37", "4.5", "0", "1e37", "1e37", "0", "0", "Co", "2p", "-1"]
    block += ["Binding Energy", "eV", "780", "0.5", "1", "counts", "d", "pulse counting"]
    block += ["0.1", "3", "0", "0", "0", "0", "0", "3", "0", "100", "10", "20", "30"]
    text = "\n".join([*head, *block, "end of experiment"]) + "\n"
    (s,) = parse_vamas_bytes(text.encode(), "map.vms")
    assert (s.metadata["x"], s.metadata["y"]) == (7.0, 3.0)
    assert s.intensity.tolist() == [10.0, 20.0, 30.0]
