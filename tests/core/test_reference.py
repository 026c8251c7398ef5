"""The reference peak library: every shipped file is valid and cited, bad files fail clearly,
user files merge with conflicts reported."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

from xpsfit.errors import SpecError
from xpsfit.lineshapes import LINESHAPES
from xpsfit.reference import (
    LIBRARY_ENV,
    Library,
    LibraryConflictWarning,
    load_library,
    normalize_region,
    read_element_file,
    shipped_library_files,
    user_library_dir,
)

REQUIRED_REGIONS = (
    "Co 2p", "O 1s", "Ti 2p", "S 2p", "P 2p", "Ge 3d", "B 1s", "Li 1s", "C 1s",
    "Nb 3d", "Zr 3d", "Al 2p", "Ni 2p", "Mn 2p", "F 1s", "N 1s", "Si 2p", "Fe 2p",
)  # fmt: skip
CITATION = re.compile(r"doi:10\.\d{4,}/\S+|Handbook|Database")

MINIMAL = """\
schema_version = 1
element = "Xx"

[levels.2p]
lines = ["2p3/2", "2p1/2"]
splitting = 5.0
splitting_range = [4.8, 5.2]
area_ratio = 0.5
fwhm_ratio = 1.0
lineshape = "gl"
shape = { m = 30 }
fwhm = 1.0
fwhm_range = [0.5, 2.0]
window = [100.0, 120.0]
background = "shirley"
source = "test handbook, table 1"

[[levels.2p.species]]
id = "X1"
label = "X one"
compound = "XO"
binding_energy = 105.0
tolerance = 0.5
source = "test handbook, table 2"
"""


@pytest.fixture
def shipped() -> Library:
    return load_library(include_user=False)


def test_shipped_files_are_found_as_package_resources() -> None:
    files = shipped_library_files()
    assert len(files) >= 18
    assert all(f.suffix == ".toml" and f.is_file() for f in files)


def test_every_required_region_is_in_the_library(shipped: Library) -> None:
    for region in REQUIRED_REGIONS:
        level = shipped.level(region)
        assert level.region == region
        assert level.species, region


def test_every_entry_has_a_citable_source(shipped: Library) -> None:
    for region in shipped.regions():
        level = shipped.level(region)
        assert CITATION.search(level.source), f"{region}: {level.source}"
        for sp in level.species:
            assert CITATION.search(sp.source), f"{region} {sp.id}: {sp.source}"
            for sat in sp.satellites:
                assert CITATION.search(sat.source), f"{region} {sp.id} {sat.name}"
            for alt in sp.alternatives:
                assert CITATION.search(alt.source), f"{region} {sp.id} {alt.id}"


def test_doublet_area_ratios_follow_the_orbital(shipped: Library) -> None:
    expected = {"p": 0.5, "d": 2.0 / 3.0, "f": 0.75}
    for region in shipped.regions():
        level = shipped.level(region)
        assert level.lineshape in LINESHAPES
        if level.orbital.endswith("s"):
            assert not level.is_doublet, region
            continue
        assert level.is_doublet, region
        assert level.area_ratio == pytest.approx(expected[level.orbital[-1]], abs=1e-12)
        lo, hi = level.splitting_range
        for sp in level.species:
            assert lo <= level.splitting_of(sp) <= hi, (region, sp.id)


def test_study_species_and_values(shipped: Library) -> None:
    co = shipped.level("Co 2p")
    assert co.species_ids()[:2] == ["Co3+", "Co2+"]
    assert co.default_species == ("Co2+", "Co3+")  # the study's fraction comes first
    assert co.get("Co3+").binding_energy == 779.3
    assert co.get("Co2+").binding_energy == 781.9
    assert co.get("Co3+").satellites
    assert co.get("Co2+").satellites
    assert co.background == "active_shirley"
    o1s = {s.binding_energy for s in shipped.level("O 1s").species}
    assert {529.0, 530.0, 531.5, 533.6} <= o1s
    assert {"CO3", "OH"} <= set(shipped.level("O 1s").species_ids())
    assert shipped.level("S 2p").get("PS4").binding_energy == 161.0
    assert {"Li3BO3", "Li2B4O7", "B2O3"} <= set(shipped.level("B 1s").species_ids())
    assert shipped.level("C 1s").get("C-C").binding_energy == 284.8


def test_physics_and_study_splittings_are_both_carried(shipped: Library) -> None:
    p2p, ge3d = shipped.level("P 2p"), shipped.level("Ge 3d")
    assert 0.84 <= p2p.splitting <= 0.87
    assert 0.58 <= ge3d.splitting <= 0.60
    alt_p = p2p.get("PS4").alternative("feng2023")
    alt_ge = ge3d.get("GeS4").alternative("feng2023")
    assert alt_p is not None
    assert alt_p.splitting == 1.4
    assert alt_ge is not None
    assert alt_ge.splitting == 1.2
    assert "spin-orbit" in p2p.notes


def test_ti_and_3d_metals_do_not_tie_fwhm_one_to_one(shipped: Library) -> None:
    for region in ("Ti 2p", "Co 2p", "Ni 2p", "Mn 2p", "Fe 2p"):
        lo, hi = shipped.level(region).fwhm_ratio_range
        assert hi > lo >= 1.0, region


def test_region_lookup_ignores_case_and_spacing(shipped: Library) -> None:
    assert normalize_region(" Co  2p ") == "co2p"
    assert shipped.level("co2p").region == "Co 2p"
    assert shipped.find("Xx 9z") is None
    with pytest.raises(SpecError, match=r"known: .*Co 2p"):
        shipped.level("Xx 9z")
    with pytest.raises(SpecError, match="unknown species 'Co4\\+'"):
        shipped.level("Co 2p").get("Co4+")


def _write(folder: Path, text: str, name: str = "Xx.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_file_is_valid(tmp_path: Path) -> None:
    (level,) = read_element_file(_write(tmp_path, MINIMAL))
    assert level.region == "Xx 2p"
    assert level.default_species == ("X1",)
    assert level.fwhm_ratio_range == (1.0, 1.0)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('source = "test handbook, table 2"\n', "", "levels.2p.species[0].source"),
        ("binding_energy = 105.0", 'binding_energy = "105"', "levels.2p.species[0].binding_energy"),
        ('lineshape = "gl"', 'lineshape = "gauss"', "levels.2p.lineshape"),
        ("splitting = 5.0", "splitting = 6.0", "levels.2p.splitting"),
        ("tolerance = 0.5", "tolerance = 0.5\ncolour = 1", "levels.2p.species[0].colour"),
        ("shape = { m = 30 }", "shape = { q = 30 }", "levels.2p.shape.q"),
        ("shape = { m = 30 }", "shape = { m = 300 }", "levels.2p.shape.m"),
        ('background = "shirley"', 'background = "smart"', "levels.2p.background"),
        ("schema_version = 1", "schema_version = 7", "schema_version"),
        ("binding_energy = 105.0", "binding_energy = 130.0", "levels.2p.species[0].binding_energy"),
        ('id = "X1"', 'id = "X 1"', "levels.2p.species[0].id"),
        ("window = [100.0, 120.0]", "window = [120.0, 100.0]", "levels.2p.window"),
        (
            'background = "shirley"',
            'background = "shirley"\ndefault_species = ["X9"]',
            "levels.2p.default_species",
        ),
    ],
)
def test_invalid_file_names_file_and_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    assert old in MINIMAL
    path = _write(tmp_path, MINIMAL.replace(old, new, 1))
    with pytest.raises(SpecError) as info:
        read_element_file(path)
    assert info.value.source == str(path)
    assert info.value.key == key
    assert str(path) in str(info.value)
    assert key in str(info.value)


def test_duplicate_species_and_bad_toml_fail(tmp_path: Path) -> None:
    dup = MINIMAL + MINIMAL[MINIMAL.index("[[levels.2p.species]]") :]
    with pytest.raises(SpecError, match="unique species ids"):
        read_element_file(_write(tmp_path, dup))
    with pytest.raises(SpecError, match="not valid TOML"):
        read_element_file(_write(tmp_path, "element = [", "Bad.toml"))


def _second_species(follows: str) -> str:
    second = MINIMAL[MINIMAL.index("[[levels.2p.species]]") :]
    second = second.replace('id = "X1"', 'id = "X2"').replace("105.0", "107.0")
    return second.replace("tolerance = 0.5", f"tolerance = 0.5\nfollows = {follows!r}")


def test_follows_names_a_self_positioned_species_of_the_level(tmp_path: Path) -> None:
    (level,) = read_element_file(_write(tmp_path, MINIMAL + _second_species("X1")))
    assert level.get("X2").follows == "X1"
    assert level.get("X1").follows is None
    for bad in ("X9", "X2"):
        with pytest.raises(SpecError, match="positioned on its own") as info:
            read_element_file(_write(tmp_path, MINIMAL + _second_species(bad)))
        assert info.value.key == "levels.2p.species[1].follows"
    chain = MINIMAL.replace("tolerance = 0.5", 'tolerance = 0.5\nfollows = "X2"', 1)
    with pytest.raises(SpecError, match="positioned on its own"):
        read_element_file(_write(tmp_path, chain + _second_species("X1")))


def test_minor_species_follow_a_main_one(shipped: Library) -> None:
    follows = {
        (lvl.region, sp.id): sp.follows
        for lvl in shipped.levels.values()
        for sp in lvl.species
        if sp.follows
    }
    assert follows == {
        ("C 1s", "C-O"): "C-C",
        ("C 1s", "CO"): "C-C",
        ("C 1s", "COO"): "C-C",
        ("O 1s", "Li-Ti-O"): "Co-O",
        ("Ti 2p", "Ti3+"): "Ti4+",
        ("S 2p", "SO3"): "PS4",
        ("S 2p", "SO4"): "PS4",
    }


def test_satellite_checks(tmp_path: Path) -> None:
    sat = """
  [[levels.2p.species.satellites]]
  name = "sat"
  offset = 6.0
  offset_tolerance = 0.5
  area_ratio = 0.2
  area_ratio_tolerance = 0.1
  fwhm = 3.0
  fwhm_range = [2.0, 4.0]
  source = "test database"
"""
    (level,) = read_element_file(_write(tmp_path, MINIMAL + sat))
    (parsed,) = level.get("X1").satellites
    assert parsed.doublet
    assert parsed.lineshape == "gl"
    bad = sat.replace("area_ratio_tolerance = 0.1", "area_ratio_tolerance = 0.3")
    with pytest.raises(SpecError) as info:
        read_element_file(_write(tmp_path, MINIMAL + bad))
    assert info.value.key == "levels.2p.species[0].satellites[0].area_ratio_tolerance"


def test_user_library_merges_and_reports_conflicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(LIBRARY_ENV, str(tmp_path))
    assert user_library_dir() == tmp_path
    co = (shipped_library_files()[0].parent / "Co.toml").read_text(encoding="utf-8")
    user = co.replace("binding_energy = 779.3", "binding_energy = 779.6").replace(
        'id = "Co0"', 'id = "Co4+"'
    )
    _write(tmp_path, user, "Co.toml")
    _write(tmp_path, MINIMAL)
    with pytest.warns(LibraryConflictWarning, match="Co3\\+"):
        library = load_library()
    level = library.level("Co 2p")
    assert level.get("Co3+").binding_energy == 779.6
    assert {"Co0", "Co4+", "Co2+"} <= set(level.species_ids())
    assert len(library.conflicts) == 1
    assert "779.3" in library.conflicts[0]
    assert "779.6" in library.conflicts[0]
    assert library.level("Xx 2p").get("X1").binding_energy == 105.0


def test_identical_user_file_is_no_conflict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(LIBRARY_ENV, str(tmp_path))
    co = (shipped_library_files()[0].parent / "Co.toml").read_text(encoding="utf-8")
    _write(tmp_path, co, "Co.toml")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        library = load_library()
    assert library.conflicts == ()


def test_user_folder_defining_a_region_twice_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(LIBRARY_ENV, str(tmp_path))
    _write(tmp_path, MINIMAL, "A.toml")
    _write(tmp_path, MINIMAL, "B.toml")
    with pytest.raises(SpecError, match="also defined in") as info:
        load_library()
    assert info.value.source == str(tmp_path / "B.toml")


def test_missing_user_folder_is_not_an_error(tmp_path: Path) -> None:
    assert load_library(tmp_path / "absent").conflicts == ()
