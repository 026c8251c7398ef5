"""The README's template example is a valid template."""

from __future__ import annotations

import json
import re
from pathlib import Path

from xpsfit.templates import load_template

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_template_example_loads(tmp_path: Path) -> None:
    block = re.search(r"```json\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert block is not None
    path = tmp_path / "example.json"
    path.write_text(block.group(1), encoding="utf-8")
    template = load_template(path)
    assert template.spec.region == "S 2p"
    doublet = template.spec.component("PS4")
    assert doublet.params()["splitting"].value == 1.18
    assert json.loads(block.group(1))["schema_version"] == 1
