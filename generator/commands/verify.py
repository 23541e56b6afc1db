"""`annex verify ANNEX.pdf`: the signatures and the annex's data checked; exit 0 when all hold."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

from ..signing.verify import render_text, verify


def verify_command(pdf: Path, *, trust: list[Path], data_dir: Optional[Path], as_json: bool,
                   templates: Optional[Path] = None) -> int:
    report = verify(pdf, trust=trust, data_dir=data_dir, templates=templates)
    sys.stdout.write(report.to_json() if as_json else render_text(report))
    return 0 if report.ok else 1
