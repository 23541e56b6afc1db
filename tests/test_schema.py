"""The published JSON Schema is generated from the model, and the data files conform to it."""
import json

import jsonschema
import pytest
import yaml

from generator.schema import schema_json

from .conftest import CUSTOMERS, ROOT, S3


@pytest.mark.parametrize("kind", ["matrix", "customers"])
def test_committed_schema_is_up_to_date(kind):
    committed = (ROOT / "schema" / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert committed == schema_json(kind), f"run: annex schema {kind} -o schema/{kind}.schema.json"


def test_data_files_conform_to_the_schema():
    matrix_schema = json.loads(schema_json("matrix"))
    for f in sorted(S3.glob("*.yaml")):
        data = json.loads(json.dumps(yaml.safe_load(f.read_text(encoding="utf-8")), default=str))
        jsonschema.validate(data, matrix_schema)
    customers = json.loads(json.dumps(yaml.safe_load(CUSTOMERS.read_text(encoding="utf-8")), default=str))
    jsonschema.validate(customers, json.loads(schema_json("customers")))


def test_schema_rejects_an_unknown_key():
    schema = json.loads(schema_json("matrix"))
    matrix = json.loads(json.dumps(yaml.safe_load((S3 / "fr.yaml").read_text(encoding="utf-8")), default=str))
    jsonschema.validate(matrix, schema)  # valid as shipped: the unknown key alone can fail it
    with pytest.raises(jsonschema.ValidationError) as exc:
        jsonschema.validate({**matrix, "titel": 1}, schema)
    assert exc.value.validator == "additionalProperties" and "'titel'" in exc.value.message


def test_lists_conform_to_the_schema_and_nest_one_level():
    from generator.commands.importer import matrix_from_page
    from generator.writers.matrix_yaml import render
    schema = json.loads(schema_json("matrix"))
    matrix, _ = matrix_from_page(ROOT / "tests" / "fixtures" / "raci_kubernetes.fr.md", lang=None, reference=None,
                                 existing=None, matrix_id="kubernetes")
    data = json.loads(json.dumps(yaml.safe_load(render(matrix)), default=str))
    jsonschema.validate(data, schema)
    summary = data["sections"][2]["intro"][0]
    assert summary["items"][0]["items"] == ["le plan de contrôle ;", "les nœuds *workers* et leur système."]
    summary["items"][0]["items"][0] = {"text": "deux niveaux", "items": ["trois"]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)
