"""`annex serve --queue URL --store s3://...` as a real process: an annex issued through the API
is built by an `annex worker`, stored in the bucket under its SHA-256 and served back, the same
bytes as the web service builds alone; a worker's refusal comes back as the API's error."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from ..conftest import ROOT
from ..web.pg import free_port
from ..web.test_api import CUSTOMER
from .servers import Worker, stop

READY = 90


def annex_cli(env, *args: str, stdin: str = "") -> str:
    run = subprocess.run([sys.executable, "-m", "generator", *args], input=stdin, text=True, capture_output=True,
                         env=env, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def call(url: str, token: str, body: dict | None = None) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Authorization": f"Bearer {token}",
                                                          "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=300) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture
def server(tmp_path, s3_env, moto, redis_server):
    worker = Worker(tmp_path / "w", redis_server.url, moto.env(), "--concurrency", "1").start()
    bucket = moto.bucket("web-store")
    db = f"sqlite:///{tmp_path / 'annex.sqlite3'}"
    annex_cli(s3_env, "user", "add", "sam", "--role", "sales", "--db", db, stdin="correct horse battery\n")
    token = annex_cli(s3_env, "token", "create", "sam", "--db", db)
    port = free_port()
    log = open(tmp_path / "serve.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--port", str(port), "--db", db,
                             "--queue", redis_server.url, "--store", f"s3://{bucket}/web"],
                            cwd=ROOT, env=s3_env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            try:
                urllib.request.urlopen(url + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        yield url, token, bucket, worker
    finally:
        stop(proc)
        log.close()
        worker.stop()


def test_an_annex_issued_through_the_api_is_built_by_a_worker_into_the_bucket(server, moto, tmp_path):
    url, token, bucket, worker = server
    status, body = call(url + "/api/annexes", token, {"matrix": "s3-object-storage", "customer": CUSTOMER})
    assert status == 201, body
    issued = json.loads(body)
    assert "succeeded in" in worker.text()  # the worker built it, not the web node
    client = moto.client()
    queued = {}
    for fmt in ("pdf", "docx"):
        status, data = call(url + issued["files"][fmt], token)
        assert status == 200
        queued[fmt] = sha = hashlib.sha256(data).hexdigest()
        assert client.get_object(Bucket=bucket, Key=f"web/{sha[:2]}/{sha}")["Body"].read() == data
    # the same bytes as the web service builds alone (in its own process, into a local store)
    from fastapi.testclient import TestClient

    from ..web.conftest import make_app, token_for
    (tmp_path / "alone").mkdir()
    app = make_app(tmp_path / "alone")
    with TestClient(app) as alone:
        auth = {"Authorization": f"Bearer {token_for(app, 'sam')}"}
        local = alone.post("/api/annexes", json={"matrix": "s3-object-storage", "customer": CUSTOMER}, headers=auth)
        assert local.status_code == 201, local.text
        for fmt, sha in queued.items():
            assert hashlib.sha256(alone.get(local.json()["files"][fmt], headers=auth).content).hexdigest() == sha


def test_what_the_worker_cannot_build_comes_back_as_the_apis_error(server):
    url, token, _, _ = server
    status, body = call(url + "/api/annexes", token, {"matrix": "no-such-matrix", "customer": CUSTOMER})
    assert status == 422 and b"no-such-matrix" in body
