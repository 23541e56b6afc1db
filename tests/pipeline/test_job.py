"""run_task, the one job function: the bytes `annex build` writes, unchanged annexes kept, another
matrix or brand version refused, a failure told as a failed entry and never raised."""
from __future__ import annotations

import dataclasses
import hashlib
import shutil

from generator.brand import load_brand
from generator.catalog import lookup
from generator.pipeline import BrandRef, MatrixRef, Task, run_task
from generator.pipeline.sinks import FolderSink, StoreSink
from tests.conftest import DATA, load_customer


def _task(sink, data=DATA, **kw) -> Task:
    held = lookup("s3-object-storage", "fr", data)
    base = dict(customer=load_customer("banque-horizon"), matrix=MatrixRef("s3-object-storage", "fr", held.sha256),
                formats=("docx",), sink=sink.spec, data_dir=str(data), brand=BrandRef(None, load_brand().version))
    return Task(**{**base, **kw})


def test_a_second_run_keeps_what_is_unchanged_and_rebuilds_what_was_tampered_with(tmp_path):
    sink = FolderSink(tmp_path)
    first = run_task(_task(sink, formats=("docx", "review")), sink).entries
    assert [e.status for e in first] == ["written", "written"]
    for e in first:
        assert hashlib.sha256((tmp_path / e.path).read_bytes()).hexdigest() == e.sha256
    again = run_task(_task(sink, formats=("docx", "review"), previous=tuple(first)), sink).entries
    assert [e.status for e in again] == ["unchanged", "unchanged"]
    (tmp_path / first[1].path).write_bytes(b"tampered")
    third = run_task(_task(sink, formats=("docx", "review"), previous=tuple(first)), sink).entries
    assert [e.status for e in third] == ["unchanged", "written"]
    assert (tmp_path / first[1].path).read_bytes() != b"tampered"
    forced = run_task(_task(sink, previous=tuple(first), force=True), sink).entries
    assert forced[0].status == "written" and forced[0].sha256 == first[0].sha256


def test_a_worker_with_another_matrix_version_refuses_the_task(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA / "matrices" / "s3-object-storage", data / "matrices" / "s3-object-storage")
    sink = FolderSink(tmp_path / "out")
    task = _task(sink, data=data)
    path = data / "matrices" / "s3-object-storage" / "fr.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited on this worker\n", encoding="utf-8")
    outcome = run_task(task, sink)
    assert [e.status for e in outcome.entries] == ["failed"]
    assert "another version of matrix `s3-object-storage`" in outcome.entries[0].error
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("*.docx"))
    other_brand = dataclasses.replace(task, matrix=MatrixRef("s3-object-storage", "fr"), brand=BrandRef(None, "x"))
    assert "another version of the brand" in run_task(other_brand, sink).entries[0].error


def test_a_bug_fails_the_task_with_the_one_wording(tmp_path, monkeypatch):
    import generator.pipeline.job as job

    def broken(*a, **kw):
        raise RuntimeError("boom")
    monkeypatch.setattr(job, "renderer", lambda fmt: broken)
    sink = FolderSink(tmp_path)
    outcome = run_task(_task(sink), sink)
    assert outcome.entries[0].status == "failed"
    assert outcome.entries[0].error == "internal error (a bug in annex, please report it with this line): " \
                                       "RuntimeError: boom"
    assert outcome.problems[0].message == outcome.entries[0].error


def test_the_web_store_gets_the_same_bytes_as_a_folder(tmp_path):
    folder, store = FolderSink(tmp_path / "f"), StoreSink(tmp_path / "s")
    a = run_task(_task(folder), folder).entries[0]
    b = run_task(_task(store), store).entries[0]
    assert a.sha256 == b.sha256 and store.get(b.sha256) == (tmp_path / "f" / a.path).read_bytes()
    assert store.holds(b) and not store.holds(dataclasses.replace(b, sha256="0" * 64))
