"""Same inputs, same bytes, on any machine: the sample annexes' SHA-256 are pinned in
tests/data/sample_sha256.json (made by scripts/pin_sample_hashes.py on the project's machine
kind, with the packages `make sample` installs). A build on a machine with other fonts, another
font subsetter or other library versions fails here instead of shipping different bytes."""
from __future__ import annotations

import importlib.util
import json

from .conftest import ROOT

PINS = ROOT / "tests" / "data" / "sample_sha256.json"


def _script():
    spec = importlib.util.spec_from_file_location("pin_sample_hashes", ROOT / "scripts" / "pin_sample_hashes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_sample_annexes_have_their_pinned_bytes():
    pinned = json.loads(PINS.read_text(encoding="utf-8"))
    built = _script().sample_hashes()
    assert len(pinned) >= 18 and set(built) == set(pinned)
    changed = sorted(name for name in pinned if built[name] != pinned[name])
    assert not changed, (f"{len(changed)} sample annex(es) no longer have their pinned bytes: {changed}; if the "
                         "change is intended, run scripts/pin_sample_hashes.py and commit the result")
