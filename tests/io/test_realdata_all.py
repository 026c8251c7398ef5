"""Every file of the real-data folder: the reader it goes to and what it gives, or the error.

Files of formats xpsfit does not read must fail with a ParseError naming line 1 and saying why.
VAMAS rows are checked when the VAMAS reader module is present.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from xpsfit.errors import ParseError
from xpsfit.io.registry import read, sniff

for _module in ("phi", "specs", "text", "scienta", "unsupported"):
    importlib.import_module(f"xpsfit.io.{_module}")
HAVE_VAMAS = importlib.util.find_spec("xpsfit.io.vamas") is not None
if HAVE_VAMAS:
    importlib.import_module("xpsfit.io.vamas")

#: (file, reader name or None, number of spectra or the start of the error message)
EXPECTED: list[tuple[str, str | None, int | str]] = [
    ("ENGR241-Q2/01202020_TiN_AJA.3.First Point.spe", "phi", 1),
    ("ENGR241-Q2/01202020_TiN_AJA.4.First Point.spe", "phi", 4),
    ("ENGR241-Q2/020620.4.X1 Point 1_1.pro", "phi", 20),
    ("ENGR241-Q2/TiN_AJA_HiRes_Top.csv", "text", 4),
    ("ENGR241-Q2/TiN_AJA_HiRes_Top_N_fit.csv", "text", 6),
    ("ENGR241-Q2/TiN_AJA_HiRes_Top_Ti_fit.csv", "text", 9),
    ("ENGR241-Q2/TiN_AJA_HiRes_Top_Ti_fit_org.spe", "phi", 1),
    ("ENGR241-Q2/x1pt1_acsummary.txt", None, "no numeric table of two or more columns "),
    ("ENGR241-Q2/x1pt1_depth.csv", "text", 20),
    ("ENGR241-Q2/x1pt1_depth.pro", "phi", 20),
    ("ENGR241-Q2/x1pt1_depthprof.csv", None, "no numeric table of two or more columns "),
    ("ENGR241-Q2/x1pt1_hires.csv", "text", 5),
    ("ENGR241-Q2/x1pt1_hires.spe", "phi", 5),
    ("JesusF10-xps-data-analysis/BN-BS-1 SURVEY.spe", "phi", 1),
    ("JesusF10-xps-data-analysis/BN-BS-1 SURVEY.txt", "text", 1),
    ("JesusF10-xps-data-analysis/BN-BS-1 multiplex.spe", "phi", 6),
    ("JesusF10-xps-data-analysis/BN-BS-1 multiplex.txt", "text", 6),
    ("KherveFitting/Hard_carbon_Thermo.xlsx", "xlsx", 5),
    ("KherveFitting/Hard_carbon_Thermo_Kfitting.xlsx", "xlsx", 5),
    ("KherveFitting/Pt4f.json", None, "unsupported format"),
    ("KherveFitting/Pt4f.vms", "vamas", 1),
    ("KherveFitting/Pt4f.xlsx", "xlsx", 2),
    ("KherveFitting/STO.json", None, "unsupported format"),
    ("KherveFitting/STO.xlsx", "xlsx", 16),
    ("KherveFitting/STO_2doublets.xlsx", "xlsx", 4),
    ("KherveFitting/Tougaard_Fit.xlsx", "xlsx", 6),
    ("LG4X-V2/0-150W.vms", "vamas", 5),
    ("LG4X-V2/111216_0459_O1s.csv", "text", 1),
    ("LG4X-V2/170109_1712_Ef.csv", "text", 1),
    ("LG4X-V2/C1s_sample.csv", "text", 1),
    ("LG4X-V2/Highres_Au4f_hv_180_testfile.csv", "text", 1),
    ("LG4X-V2/Mutlipak_vms.npl", "vamas", 5),
    ("LG4X-V2/PET_C1s.csv", "text", 1),
    ("LG4X-V2/Survey_Au_hv_700.csv", "text", 1),
    ("M-DaC_XPS/XPS_PHI_QUANTERA_depth_1.csv", "text", 50),
    ("M-DaC_XPS/XPS_PHI_QUANTERA_depth_1.pro", "phi", 50),
    ("M-DaC_XPS/XPS_PHI_QUANTERA_narrow.csv", "text", 4),
    ("M-DaC_XPS/XPS_PHI_QUANTERA_narrow.spe", "phi", 4),
    ("M-DaC_XPS/XPS_PHI_QUANTERA_survey.csv", "text", 1),
    ("M-DaC_XPS/XPS_PHI_QUANTERA_survey.spe", "phi", 1),
    ("cheminfo-vamas/ARXPS.vms", "vamas", 15),
    ("cheminfo-vamas/casaBlockComment.txt", None, "no numeric table of two or more columns "),
    ("cheminfo-vamas/multiplex.vms", "vamas", 3),
    ("cheminfo-vamas/polyethyleneglycol.vms", "vamas", 4),
    ("cheminfo-vamas/single_sample.vms", "vamas", 9),
    ("cheminfo-vamas/survey.vms", "vamas", 1),
    ("feranick-xps/2.vms", "vamas", 6),
    ("feranick-xps/3.vms", "vamas", 7),
    ("feranick-xps/c.vms", "vamas", 5),
    ("feranick-xps/casaxps.vms", "vamas", 3),
    ("feranick-xps/cs.vms", "vamas", 5),
    ("feranick-xps/spectra.1", None, "no numeric table of two or more columns "),
    ("feranick-xps/spectra.dat", None, "no numeric table of two or more columns "),
    ("importtool/CasaXPS_report.TXT", "text", 1),
    ("importtool/KratosDSET.dset", None, "unsupported format"),
    ("importtool/PHIMultiPak.SPE", "phi", 4),
    ("importtool/SpecsLab1exp.exp", None, "no numeric table of two or more columns "),
    ("importtool/SpecsLab2xmlonly_SFAT.xml", None, "unsupported format"),
    ("importtool/SpecsLab2xyonly_SFAT.xy", "specs-xy", 2),
    ("importtool/Spectra.1", None, "no numeric table of two or more columns "),
    ("importtool/VAMASvms.vms", "vamas", 10),
    ("importtool/sample1.pxt", None, "unsupported format"),
    ("importtool/sample1.txt", "scienta-txt", 1),
    ("importtool/sample2.txt", "scienta-txt", 6),
    ("importtool/sample3.txt", "scienta-txt", 4),
    ("kjappelbaum-xps-analysis/auger.vms", "vamas", 4),
    ("lmfitxps/clean_Au_4f.csv", "text", 1),
    ("lmfitxps/clean_Au_4f.txt", "text", 1),
    ("pynxtools-xps/Ag_0001.txt", "scienta-txt", 1),
    ("pynxtools-xps/Ag_0001Ag__001.ibw", None, "unsupported format"),
    ("pynxtools-xps/Ag_0002.txt", "scienta-txt", 1),
    ("pynxtools-xps/Ag_0002Ag__002.ibw", None, "unsupported format"),
    ("pynxtools-xps/Cu-HHTP_0002.txt", "scienta-txt", 1),
    ("pynxtools-xps/Cu-HHTP_0002Cu-HHTP__002.ibw", None, "unsupported format"),
    ("pynxtools-xps/Cu-HHTP_0003.txt", "scienta-txt", 1),
    ("pynxtools-xps/FeO_analyzed.vms", "vamas", 1),
    ("pynxtools-xps/FeO_analyzed_lineshapes_cols.txt", "text", 1),
    ("pynxtools-xps/FeO_analyzed_results.csv", None, "no numeric table of two or more columns "),
    ("pynxtools-xps/In-situ_PBTTT_XPS_SPECS.xml", None, "unsupported format"),
    ("pynxtools-xps/MgFe2O4.xy", "specs-xy", 116),
    ("pynxtools-xps/MgFe2O4_small.xy", "specs-xy", 2),
    ("pynxtools-xps/MgFe2O4_with_transmission_function.xy", "specs-xy", 116),
    ("pynxtools-xps/SnO2_10nm.spe", "phi", 1),
    ("pynxtools-xps/SnO2_10nm_1.pro", "phi", 84),
    ("pynxtools-xps/irregular.vms", "vamas", 1),
    ("pynxtools-xps/regular.vms", "vamas", 1),
    ("pynxtools-xps/vms_txt_export.txt", "text", 4),
    ("theoechem-IL/20240220_Au_MPPipTFSI4AMSIol3_C_1s.csv", "text", 1),
    ("theoechem-IL/20240220_Au_MPPipTFSI4AMSIol3_F_1s.csv", "text", 1),
    ("theoechem-IL/20240220_Au_MPPipTFSI4AMSIol3_N_1s.csv", "text", 1),
    ("theoechem-IL/20240220_Au_MPPipTFSI4AMSIol3_Na_1s.csv", "text", 1),
    ("theoechem-IL/20240220_Au_MPPipTFSI4AMSIol3_O_1s.csv", "text", 1),
    ("theoechem-IL/20240220_Au_MPPipTFSI4AMSIol3_S_2p.csv", "text", 1),
    ("theoechem-IL/20240220_Au_MPPipTFSI4AMSIol3_Si_2p.csv", "text", 1),
    ("theoechem-IL/20240220_Au_MPPipTFSI4AMSIol3_survey.csv", "text", 1),
    ("theoechem-IL/20240228_Au_MPPipTFSIIol3_Au_4f.csv", "text", 1),
    ("theoechem-IL/20240228_Au_Nadep_from_MPPipTFSI4AMSIol3_C_1s.csv", "text", 1),
    ("xps-excel-macro/111216_0459_O1s.txt", "text", 10),
    ("xps-excel-macro/120324_1144_C1s.txt", "text", 2),
    ("xps-excel-macro/Ag_Ag3d.txt", "text", 1),
    ("xps-fitting-workbench/2.xls", None, "unsupported format"),
    ("xps-fitting-workbench/C1s Scan.VGD", None, "unsupported format"),
    ("xps-fitting-workbench/C1s.review-v1.curves.csv", "text", 1),
    ("xps-fitting-workbench/C1s.review-v1.metadata.json", None, "unsupported format"),
    ("xps-fitting-workbench/Cl2p Scan.VGD", None, "unsupported format"),
    ("xps-fitting-workbench/N1s Scan.VGD", None, "unsupported format"),
    ("xps-fitting-workbench/O1s Scan.VGD", None, "unsupported format"),
    ("xps-fitting-workbench/XPS Survey.VGD", None, "unsupported format"),
    ("xylib/mjr9_116a.vms", "vamas", 7),
    ("xylib/mjr9_59c.vms", "vamas", 9),
    ("xylib/mjr9_64c.vms", "vamas", 9),
    ("xylib/mm-specs.xy", "specs-xy", 1),
    ("xylib/specsxy_example.xy", "specs-xy", 3),
    ("yadg/xps.spe", "phi", 2),
]


@pytest.mark.realdata
def test_every_file_is_listed(realdata: Path) -> None:
    on_disk = {str(p.relative_to(realdata)) for p in realdata.glob("*/*") if p.is_file()}
    assert on_disk == {row[0] for row in EXPECTED}


@pytest.mark.realdata
@pytest.mark.parametrize(("path", "reader", "outcome"), EXPECTED, ids=[r[0] for r in EXPECTED])
def test_expected_outcome(
    realdata: Path, path: str, reader: str | None, outcome: int | str
) -> None:
    if reader == "vamas" and not HAVE_VAMAS:
        pytest.skip("the VAMAS reader module is not present")
    file = realdata / path
    if reader is None:
        assert isinstance(outcome, str)
        with pytest.raises(ParseError, match=outcome) as info:
            read(file)
        assert info.value.line == 1
        assert info.value.file == str(file)
        return
    assert sniff(file).name == reader
    spectra = read(file)
    assert len(spectra) == outcome
    for s in spectra:
        assert s.n_points >= 2
        assert np.all(np.isfinite(s.binding_energy))
        assert np.all(np.diff(s.binding_energy) >= 0)
        assert s.source_file == str(file)
