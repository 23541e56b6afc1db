"""`annex export MATRIX.yaml`: a matrix written back as a published Markdown page."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

from ..infra.atomic import write_atomic
from ..readers.matrix_yaml import read_matrix
from ..writers.markdown_page import render as render_page


def export_command(matrix: Path, *, output: Optional[Path]) -> int:
    m, _ = read_matrix(matrix)
    text = render_page(m)
    if output:
        write_atomic(output, text.encode("utf-8"))
    else:
        sys.stdout.write(text)
    return 0
