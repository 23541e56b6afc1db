"""Read a matrix YAML file into the model, or say precisely why it cannot be read."""
from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from ..diagnostics import InputError, error
from ..model import Matrix
from ..yamlsource import YamlDocument, load_yaml
from .modelerrors import diagnostics_from


def read_matrix(path: str | Path) -> tuple[Matrix, YamlDocument]:
    """Load and type-check one matrix file; raise InputError with every problem found."""
    doc = load_yaml(path)
    if not isinstance(doc.data, dict):
        raise InputError([error(doc.path, "a matrix file must be a mapping of keys (id:, title:, ...)",
                                line=1, hint="see data/matrices/s3-object-storage/fr.yaml for an example")])
    try:
        return Matrix.model_validate(doc.data), doc
    except ValidationError as exc:
        raise InputError(diagnostics_from(exc, doc, Matrix)) from None
