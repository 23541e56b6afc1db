"""JSON Schema of the YAML formats, generated from the model so that they never drift."""
from __future__ import annotations

import json

from .model import CustomerFile, Matrix


def schema_json(kind: str = "matrix") -> str:
    model = Matrix if kind == "matrix" else CustomerFile
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://annex.invalid/schema/{kind}.json"
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
