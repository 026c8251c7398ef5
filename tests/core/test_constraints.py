"""CasaXPS / KherveFitting constraint strings and CASA comp fields <-> Param / Link."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from xpsfit.constraints import (
    casa_fields_to_param,
    component_letter,
    constraint_to_param,
    letter_index,
    param_to_constraint,
)
from xpsfit.errors import SpecError
from xpsfit.spec import Link, Param

IDS = ("Co3+", "Co2+", "Co3+_sat")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Param(1.0)),
        ("Fixed", Param(1.0, vary=False)),
        ("1.2:2.5", Param(1.2, 1.2, 2.5)),
        ("61.99,89.99", Param(61.99, 61.99, 89.99)),
        ("1:1e7", Param(1.0, 1.0, 1e7)),
        ("A*0.5", Param(1.0, link=Link("Co3+", "ratio", 0.5))),
        ("A*1", Param(1.0, link=Link("Co3+", "equal"))),
        ("B+15.1", Param(1.0, link=Link("Co2+", "offset", 15.1))),
        ("A-1.2", Param(1.0, link=Link("Co3+", "offset", -1.2))),
        ("A+1.2#0.1", Param(1.0, link=Link("Co3+", "offset", 1.2, 0.1))),
        ("C*0.667#0.05", Param(1.0, link=Link("Co3+_sat", "ratio", 0.667, 0.05))),
        (" A + 3.3 # 0.2 ", Param(1.0, link=Link("Co3+", "offset", 3.3, 0.2))),
    ],
)
def test_constraint_strings(text: str, expected: Param) -> None:
    assert constraint_to_param(text, 1.0, IDS) == expected


@pytest.mark.parametrize("text", ["A*0.5", "B+15.1", "A-1.2", "A+1.2#0.1", "1.2:2.5", "Fixed", ""])
def test_string_round_trip(text: str) -> None:
    assert param_to_constraint(constraint_to_param(text, 1.0, IDS), IDS) == text


def test_export_keeps_full_precision_and_tolerances() -> None:
    par = Param(5.0, link=Link("Co2+", "offset", 0.1 + 0.2, 1e-3))
    text = param_to_constraint(par, IDS)
    assert text == "B+0.30000000000000004#0.001"
    assert constraint_to_param(text, 5.0, IDS) == par
    assert param_to_constraint(Param(1.0, 0.3, math.inf), IDS) == "0.3:inf"
    assert param_to_constraint(Param(1.0, 0.3, 2.0), IDS, separator=",") == "0.3,2"
    assert param_to_constraint(Param(1.0, link=Link("Co3+", "equal", 0.0, 0.1)), IDS) == "A*1#0.1"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("A*", "cannot read"),
        ("D*0.5", "only 3 components"),
        ("3:1", "low bound exceeds"),
        ("half of A", "cannot read"),
        ("A*0.5#-0.1", "tolerance must be >= 0"),
    ],
)
def test_bad_strings_fail_clearly(text: str, match: str) -> None:
    with pytest.raises(SpecError, match=match):
        constraint_to_param(text, 1.0, IDS)


def test_expressions_and_foreign_links_cannot_be_exported() -> None:
    with pytest.raises(SpecError, match="no CasaXPS"):
        param_to_constraint(Param(1.0, expr="a + b"), IDS)
    with pytest.raises(SpecError, match="not among"):
        param_to_constraint(Param(1.0, link=Link("Ni2+")), IDS)


def test_letters() -> None:
    assert [component_letter(i) for i in (0, 1, 25, 26, 27, 701, 702)] == [
        "A", "B", "Z", "AA", "AB", "ZZ", "AAA",
    ]  # fmt: skip
    assert all(letter_index(component_letter(i)) == i for i in range(800))
    with pytest.raises(SpecError):
        letter_index("a")
    with pytest.raises(SpecError):
        component_letter(-1)


def _constraints(node: Any) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Constraints" and isinstance(value, dict):
                out += [(k, v) for k, v in value.items() if isinstance(v, str)]
            else:
                out += _constraints(value)
    elif isinstance(node, list):
        for value in node:
            out += _constraints(value)
    return out


@pytest.mark.realdata
@pytest.mark.parametrize("name", ["Pt4f.json", "STO.json"])
def test_every_kherve_constraint_reads(realdata: Path, name: str) -> None:
    data = json.loads((realdata / "KherveFitting" / name).read_text(encoding="utf-8"))
    found = _constraints(data)
    assert len(found) > 20
    kinds = set()
    for field, text in found:
        par = constraint_to_param(text, 2.0, IDS)
        kinds.add("link" if par.link else "fixed" if not par.vary else "range")
        if par.link is not None and par.link.kind != "equal":
            assert param_to_constraint(par, IDS) == text.replace(" ", ""), (field, text)
    assert kinds >= {"link", "range"}


def test_kherve_doublet_constraints_give_doublet_physics() -> None:
    position = constraint_to_param("A+3.3#0.2", 74.4, ["Pt4f7/2", "Pt4f5/2"])
    area = constraint_to_param("A*0.75#0.05", 100.0, ["Pt4f7/2", "Pt4f5/2"])
    assert position.link == Link("Pt4f7/2", "offset", 3.3, 0.2)
    assert area.link == Link("Pt4f7/2", "ratio", 0.75, 0.05)


_FIELD = re.compile(r"(Area|MFWHM|Position) (\S+) (\S+) (\S+) (-?\d+) (\S+)")


@pytest.mark.realdata
def test_casa_comp_fields_of_a_linked_mo3d_fit(realdata: Path) -> None:
    text = (realdata / "cheminfo-vamas" / "casaBlockComment.txt").read_text(encoding="latin-1")
    comps = [line for line in text.splitlines() if line.startswith("CASA comp")]
    ids = [f"c{i}" for i in range(len(comps))]
    area_links, pos_links = [], []
    for line in comps:
        fields = {m.group(1): m.groups()[1:] for m in _FIELD.finditer(line)}
        value, lo, hi, ref, factor = fields["Area"]
        area = casa_fields_to_param(
            "area", float(value), float(lo), float(hi), int(ref), float(factor), ids
        )
        value, lo, hi, ref, factor = fields["Position"]
        pos = casa_fields_to_param(
            "position", float(value), float(lo), float(hi), int(ref), float(factor), ids
        )
        area_links.append(area.link)
        pos_links.append(pos.link)
        if area.link is None:
            assert area.min <= area.value <= area.max
    assert area_links[1] == Link("c0", "ratio", 0.66666667)
    assert pos_links[1] == Link("c0", "offset", 3.14)
    assert sum(link is not None for link in area_links) == 4


def test_casa_fields_edge_cases() -> None:
    assert casa_fields_to_param("fwhm", 1.0, 0.2, 2.0, 0, 1.0, ["a"]).link == Link("a", "equal")
    assert casa_fields_to_param("area", 5.0, 9.0, 1.0, -1, 1.0, ["a"]) == Param(5.0, 1.0, 9.0)
    with pytest.raises(SpecError, match="refers to component 3"):
        casa_fields_to_param("area", 1.0, 0.0, 2.0, 3, 0.5, ["a"])
