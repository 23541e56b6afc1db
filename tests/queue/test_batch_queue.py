"""`annex batch --queue` over a real Redis and two `annex worker` processes, into a bucket of an
S3-compatible server (moto) on 127.0.0.1: the same bytes as the local batch, incremental
re-runs, and the refusal of a worker that holds another version of the matrix or the brand."""
from __future__ import annotations

import json
import shutil

import pytest

from ..conftest import ROOT
from ..helpers import annex
from ..security.test_batch_faults import customers_file
from .bucket import consistent, folder, manifest, objects
from .servers import Redis, Worker

TIMEOUT = 600  # a regression fails the test instead of hanging it (2 loaded cores, 40 annexes)
IDS = [f"client-{n:02d}" for n in range(20)]


@pytest.fixture(scope="module")
def workers(tmp_path_factory, redis_server, moto):
    """Two `annex worker` processes, one annex at a time each, as two machines would run them."""
    folder = tmp_path_factory.mktemp("workers")
    started = []
    try:
        for i in range(2):
            started.append(Worker(folder, redis_server.url, moto.env(), "--concurrency", "1", name=f"w{i}").start())
        yield started
    finally:
        for w in started:
            w.stop()


def clean(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr


def test_a_queued_batch_writes_the_local_batch_byte_for_byte(tmp_path, s3_env, moto, redis_server, workers):
    customers = customers_file(tmp_path, IDS)
    local = annex("batch", customers, "-j", "2", "-o", tmp_path / "local", timeout=TIMEOUT)
    assert local.returncode == 0, local.stderr
    bucket = moto.bucket("same-bytes")
    queued = annex("batch", customers, "-j", "2", "--queue", redis_server.url, "-o", f"s3://{bucket}/run",
                   timeout=TIMEOUT, env=s3_env)
    assert queued.returncode == 0, queued.stderr
    clean(queued.stderr)
    # the same progress lines and summary as the local batch
    assert queued.stderr.count(" written   ") == local.stderr.count(" written   ") == 2 * len(IDS)
    assert queued.stderr.splitlines()[-1].split(" -> ")[0] == local.stderr.splitlines()[-1].split(" -> ")[0]
    stored = objects(moto.client(), bucket, "run")
    on_disk = folder(tmp_path / "local")
    assert len(stored) == 2 * len(IDS) + 2 and stored == on_disk  # every annex and the manifest, same SHA-256
    # the work was shared: both workers built annexes
    assert all(w.text().count("succeeded in") >= 3 for w in workers), [w.text()[-2000:] for w in workers]
    head = moto.client().head_object(Bucket=bucket, Key=f"run/{IDS[0]}/" + manifest(moto.client(), bucket, "run")
                                     [0]["path"].split("/", 1)[1])
    entry = manifest(moto.client(), bucket, "run")[0]
    assert head["Metadata"] == {"sha256": entry["sha256"], "fingerprint": entry["fingerprint"]}


def test_a_queued_rerun_keeps_what_is_unchanged_and_rebuilds_what_is_missing(tmp_path, s3_env, moto, redis_server,
                                                                            workers):
    customers = customers_file(tmp_path, IDS[:4])
    bucket = moto.bucket("rerun")
    args = ("batch", customers, "--format", "pdf", "--queue", redis_server.url, "-o", f"s3://{bucket}/r")
    first = annex(*args, timeout=TIMEOUT, env=s3_env)
    assert first.returncode == 0, first.stderr
    client = moto.client()
    victim = manifest(client, bucket, "r")[1]["path"]
    client.delete_object(Bucket=bucket, Key=f"r/{victim}")
    second = annex(*args, timeout=TIMEOUT, env=s3_env)
    assert second.returncode == 0, second.stderr
    statuses = {e["path"]: e["status"] for e in consistent(client, bucket, "r")}
    assert statuses.pop(victim) == "written" and set(statuses.values()) == {"unchanged"}
    assert "1 written, 3 unchanged, 0 failed" in second.stderr


@pytest.fixture
def other_data(tmp_path):
    """A data folder whose S3 matrix says the same in another file (one comment more): another
    version as far as the SHA-256 of the file goes."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "matrices", data / "matrices")
    path = data / "matrices" / "s3-object-storage" / "fr.yaml"
    path.write_text("# edited on this worker only\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    return data


def test_a_worker_holding_another_matrix_or_brand_version_refuses_the_task(tmp_path, s3_env, moto, other_data):
    """The refusal is in the manifest, for each annex of the task; nothing wrong is built."""
    redis = Redis(tmp_path / "redis").start()
    worker = Worker(tmp_path / "w", redis.url, moto.env(), "--concurrency", "1", "--data", str(other_data)).start()
    try:
        bucket = moto.bucket("versions")
        customers = customers_file(tmp_path, ["fr-one", "en-one"])  # banque-horizon (fr), mutuelle (fr)
        run = annex("batch", customers, "--format", "pdf", "--queue", redis.url, "-o", f"s3://{bucket}/m",
                    timeout=TIMEOUT, env=s3_env)
        assert run.returncode == 1, run.stderr
        clean(run.stderr)
        entries = consistent(moto.client(), bucket, "m")
        assert [e["status"] for e in entries] == ["failed", "failed"]
        assert all("another version of matrix `s3-object-storage` (fr)" in e["error"] for e in entries), entries
        assert "FAILED fr-one s3-object-storage pdf: " in run.stderr
        brand = tmp_path / "brand"
        brand.mkdir()
        (brand / "annex.css").write_text((ROOT / "templates" / "default" / "annex.css").read_text() + "\n/* new */\n")
        english = customers_file(tmp_path, ["en-two"], "en.yaml")
        text = english.read_text().replace("lang: fr", "lang: en")
        english.write_text(text)
        run = annex("batch", english, "--format", "pdf", "--templates", brand, "--queue", redis.url,
                    "-o", f"s3://{bucket}/b", timeout=TIMEOUT, env=s3_env)
        assert run.returncode == 1, run.stderr
        (entry,) = consistent(moto.client(), bucket, "b")
        assert entry["status"] == "failed" and "another version of the brand" in entry["error"], entry
    finally:
        worker.stop()
        redis.stop()
    assert json.dumps(entries)  # plain data
