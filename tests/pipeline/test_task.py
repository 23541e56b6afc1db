"""A task crosses processes and machines as JSON: what it carries comes back the same, and a
payload is untrusted input (it cannot name paths, formats or customers the files could not)."""
from __future__ import annotations

import json

import pytest

from generator.infra.diagnostics import InputError
from generator.pipeline import BrandRef, MatrixRef, Task, from_payload, run_task
from generator.pipeline.sinks import FolderSink
from tests.conftest import DATA, load_customer


def _task(out, **kw) -> Task:
    base = dict(customer=load_customer("banque-horizon"), matrix=MatrixRef("s3-object-storage", "fr", "ab" * 32),
                formats=("docx",), sink=str(out), data_dir=str(DATA), brand=BrandRef(None, "v1"))
    return Task(**{**base, **kw})


def test_a_payload_comes_back_as_the_task_it_was(tmp_path):
    task = _task(tmp_path, since="0.9.0", force=True)
    again = from_payload(json.loads(json.dumps(task.to_payload())), data_dir=str(DATA), templates=None)
    assert again == task
    assert again.customer.deviations == task.customer.deviations and again.customer.deviations


def test_a_payload_names_no_folder_of_its_own(tmp_path):
    payload = _task(tmp_path).to_payload()
    payload["data_dir"], payload["brand"]["templates"] = "/etc", "/etc"
    task = from_payload(payload, data_dir="worker-data", templates="worker-brand")
    assert task.data_dir == "worker-data" and task.brand.templates == "worker-brand"


@pytest.mark.parametrize("change,says", [
    (lambda p: p.update(formats=["pdf", "exe"]), "formats"),
    (lambda p: p.update(formats=[]), "formats"),
    (lambda p: p.update(formats="pdf"), "formats"),
    (lambda p: p["customer"].update(id="../../etc"), "customer"),
    (lambda p: p["matrix"].update(lang="../fr"), "matrix"),
    (lambda p: p.update(force="yes please"), "force"),
    (lambda p: p.pop("matrix"), "matrix"),
    (lambda p: p.update(previous=[{"customer": 1}]), "previous"),
])
def test_a_bad_payload_is_refused_with_one_message(tmp_path, change, says):
    payload = json.loads(json.dumps(_task(tmp_path).to_payload()))
    change(payload)
    with pytest.raises(InputError) as caught:
        from_payload(payload, data_dir=str(DATA), templates=None)
    message = caught.value.diagnostics[0].message
    assert message.startswith(f"is not an annex task: `{says}`")


def test_a_matrix_named_by_a_path_in_a_payload_fails_that_task(tmp_path):
    payload = _task(tmp_path).to_payload()
    payload["matrix"].update(id="../matrices/s3-object-storage", sha256="")
    outcome = run_task(from_payload(payload, data_dir=str(DATA), templates=None), FolderSink(tmp_path))
    assert [e.status for e in outcome.entries] == ["failed"] and "not a matrix id" in outcome.entries[0].error
    assert not list(tmp_path.rglob("*.docx"))
