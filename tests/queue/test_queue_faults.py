"""Faults around `annex batch --queue` and `annex worker`, with real processes: a worker process
killed mid-task, Redis restarted mid-batch (with and without its data), and everything that
must stop a command before any work with one line and exit 2 (no broker, no worker, a wrong
password, no bucket, wrong credentials, a local folder with --queue)."""
from __future__ import annotations

import os
import signal
import time

import pytest

from ..helpers import annex
from ..security.test_batch_faults import customers_file, hang_brand  # noqa: F401 (a fixture)
from ..web.pg import free_port
from .bucket import consistent
from .servers import Redis, Worker

TIMEOUT = 300


def one_line_exit_2(run, says: str) -> None:
    assert run.returncode == 2, (run.returncode, run.stderr)
    assert "Traceback" not in run.stderr and says in run.stderr, run.stderr
    assert len([line for line in run.stderr.splitlines() if "error:" in line]) == 1, run.stderr


# --- before any work ----------------------------------------------------------------------------

def test_an_unreachable_broker_is_one_line_before_any_work(tmp_path, s3_env, moto):
    bucket = moto.bucket("no-broker")
    run = annex("batch", customers_file(tmp_path, ["a"]), "--queue", f"redis://127.0.0.1:{free_port()}/0",
                "-o", f"s3://{bucket}/x", timeout=TIMEOUT, env=s3_env)
    one_line_exit_2(run, "cannot connect")
    assert "Contents" not in moto.client().list_objects_v2(Bucket=bucket)


def test_a_worker_without_its_broker_is_one_line(tmp_path):
    run = annex("worker", "--queue", f"redis://127.0.0.1:{free_port()}/0", timeout=TIMEOUT)
    one_line_exit_2(run, "cannot connect")
    run = annex("worker", "--queue", "http://example.org/", timeout=TIMEOUT)
    one_line_exit_2(run, "is not a Redis URL")
    run = annex("worker", timeout=TIMEOUT, env={k: v for k, v in os.environ.items() if k != "ANNEX_QUEUE"})
    assert run.returncode == 2 and "--queue URL (or ANNEX_QUEUE) is required" in run.stderr


def test_a_wrong_redis_password_is_one_line_and_never_printed(tmp_path, s3_env, moto):
    redis = Redis(tmp_path / "redis", password="s3cret-pw").start()
    try:
        bucket = moto.bucket("password")
        customers = customers_file(tmp_path, ["a"])
        for url in (f"redis://127.0.0.1:{redis.port}/0", f"redis://:wrong-pw@127.0.0.1:{redis.port}/0"):
            run = annex("batch", customers, "--queue", url, "-o", f"s3://{bucket}/x", timeout=TIMEOUT, env=s3_env)
            one_line_exit_2(run, "password")
            assert "wrong-pw" not in run.stderr
        run = annex("worker", "--queue", f"redis://:wrong-pw@127.0.0.1:{redis.port}/0", timeout=TIMEOUT)
        one_line_exit_2(run, "the password was refused")
        assert "wrong-pw" not in run.stderr
    finally:
        redis.stop()


def test_no_worker_listening_is_one_line_before_any_work(tmp_path, s3_env, moto, redis_server):
    bucket = moto.bucket("no-worker")
    run = annex("batch", customers_file(tmp_path, ["a"]), "--queue", redis_server.url, "-o", f"s3://{bucket}/x",
                timeout=TIMEOUT, env=s3_env)
    one_line_exit_2(run, "no annex worker answers")


@pytest.mark.parametrize("output, env_change, says", [
    ("s3://missing-bucket/x", {}, "does not exist"),
    ("s3://present/x", {"AWS_ENDPOINT_URL": "http://127.0.0.1:{port}"}, "cannot reach the object storage"),
    ("s3://Not_A_Bucket/x", {}, "is not a bucket name"),
])
def test_a_bucket_that_cannot_be_used_is_one_line_before_any_work(tmp_path, s3_env, moto, output, env_change,
                                                                  says):
    moto.bucket("present")
    env = dict(s3_env, **{k: v.format(port=free_port()) for k, v in env_change.items()})
    run = annex("batch", customers_file(tmp_path, ["a"]), "-o", output, timeout=TIMEOUT, env=env)
    one_line_exit_2(run, says)
    run = annex("build", "s3-object-storage", "--format", "pdf", "-o", output, timeout=TIMEOUT, env=env)
    one_line_exit_2(run, says)


def test_wrong_credentials_are_one_line_before_any_work(tmp_path):
    from .servers import Moto
    server = Moto(tmp_path / "moto", auth=True).start()
    try:
        server.bucket("locked")
        env = server.env(AWS_SECRET_ACCESS_KEY="wrong")
        run = annex("batch", customers_file(tmp_path, ["a"]), "-o", "s3://locked/x", timeout=TIMEOUT, env=env)
        one_line_exit_2(run, "access denied")
        assert "Contents" not in server.client().list_objects_v2(Bucket="locked")
    finally:
        server.stop()


def test_a_queue_needs_object_storage(tmp_path, redis_server):
    run = annex("batch", customers_file(tmp_path, ["a"]), "--queue", redis_server.url, "-o", tmp_path / "out",
                timeout=TIMEOUT)
    one_line_exit_2(run, "s3://")


# --- a worker killed mid-task -------------------------------------------------------------------

def stop_all(proc, workers: list[Worker], redis: Redis) -> None:
    """The batch (if still running), the workers, then Redis."""
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    for w in workers:
        w.stop()
    redis.stop()


def wait_for(condition, proc, limit: float = TIMEOUT) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return
        assert proc is None or proc.poll() is None, proc.stderr.read()
        time.sleep(0.2)
    pytest.fail("timed out")


def busy_process(url: str, exclude=(), limit: float = 120) -> int:
    """The pool process running the one task left (the hang customer's), as its worker tells
    through Celery's remote control (`inspect().active()`)."""
    from generator.queue.app import make_app
    control = make_app(url).control
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        active = control.inspect(timeout=2.0).active() or {}
        pids = [t["worker_pid"] for tasks in active.values() for t in tasks if t.get("worker_pid") not in exclude]
        if pids:
            time.sleep(0.5)  # well into the task
            return int(pids[0])
        time.sleep(0.2)
    pytest.fail("no pool process took the hang task")


def test_a_task_that_kills_its_worker_process_twice_fails_alone(tmp_path, s3_env, moto, hang_brand):  # noqa: F811
    """SIGKILL of the pool process building a task: the task goes back to the queue (late
    acknowledgement) and runs once more, on either worker; killed again, it fails alone; the
    other customers are built and the manifest matches the bucket."""
    import subprocess
    import sys

    from ..conftest import ROOT
    redis = Redis(tmp_path / "redis").start()
    workers = [Worker(tmp_path / "w", redis.url, moto.env(), "--concurrency", "1", "--templates", str(hang_brand),
                      name=f"w{i}").start() for i in range(2)]
    bucket = moto.bucket("killed")
    proc = subprocess.Popen([sys.executable, "-m", "generator", "batch",
                             str(customers_file(tmp_path, ["hang", "ok1", "ok2", "ok3"])), "--format", "pdf",
                             "--templates", str(hang_brand), "--queue", redis.url, "-o", f"s3://{bucket}/k"],
                            cwd=ROOT, env=s3_env, stderr=subprocess.PIPE, text=True)
    try:
        # the three others built first: then only the hang task keeps a pool process busy
        wait_for(lambda: len(moto.client().list_objects_v2(Bucket=bucket).get("Contents", [])) == 3, proc)
        first = busy_process(redis.url)
        os.kill(first, signal.SIGKILL)
        second = busy_process(redis.url, exclude=(first,))
        os.kill(second, signal.SIGKILL)
        _, err = proc.communicate(timeout=TIMEOUT)
    finally:
        stop_all(proc, workers, redis)
    assert proc.returncode == 1, err
    assert "Traceback" not in err and "FAILED hang" in err
    entries = {e["customer"]: e for e in consistent(moto.client(), bucket, "k")}
    assert {c: e["status"] for c, e in entries.items()} == {"hang": "failed", "ok1": "written", "ok2": "written",
                                                           "ok3": "written"}
    assert "died 2 times" in entries["hang"]["error"] and "vanished mid-task" in entries["hang"]["error"]


# --- Redis restarted mid-batch ------------------------------------------------------------------

def reconnected(workers: list[Worker], times: int) -> bool:
    return all(w.text().count("Connected to redis://") >= times for w in workers)


@pytest.mark.parametrize("persist", [False, True], ids=["without-its-data", "with-its-data"])
def test_redis_restarted_mid_batch_never_corrupts_the_manifest(tmp_path, s3_env, moto, persist):
    """Without its data, the batch fails the annexes still queued with a clear message and a
    re-run finishes it; with its data (append-only file), the batch waits and goes on. Either way
    the manifest lists exactly what the bucket holds."""
    import subprocess
    import sys

    from ..conftest import ROOT
    redis = Redis(tmp_path / "redis", persist=persist).start()
    workers = [Worker(tmp_path / "w", redis.url, moto.env(), "--concurrency", "1", name=f"w{i}").start()
               for i in range(2)]
    bucket = moto.bucket(f"restart-{int(persist)}")
    customers = customers_file(tmp_path, [f"r{n}" for n in range(10)])
    args = [sys.executable, "-m", "generator", "batch", str(customers), "--format", "pdf", "--queue", redis.url,
            "-o", f"s3://{bucket}/r"]
    proc = subprocess.Popen(args, cwd=ROOT, env=s3_env, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: len(moto.client().list_objects_v2(Bucket=bucket).get("Contents", [])) >= 2, proc)
        redis.restart(down=1.0)
        _, err = proc.communicate(timeout=TIMEOUT)
        assert "Traceback" not in err, err
        entries = consistent(moto.client(), bucket, "r", strict=persist)
        assert len(entries) == 10
        if persist:
            assert proc.returncode == 0, err
            assert {e["status"] for e in entries} == {"written"}
            return
        assert proc.returncode == 1, err
        assert "restarted without its data" in err and "run the batch again" in err
        failed = [e for e in entries if e["status"] == "failed"]
        assert failed and all("run the batch again" in e["error"] for e in failed)
        wait_for(lambda: reconnected(workers, 2), None)  # the batch is over: the workers are back
        rerun = subprocess.run(args, cwd=ROOT, env=s3_env, capture_output=True, text=True, timeout=TIMEOUT)
        assert rerun.returncode == 0, rerun.stderr
        statuses = {e["customer"]: e["status"] for e in consistent(moto.client(), bucket, "r")}
        assert {statuses[e["customer"]] for e in failed} == {"written"}, (failed, statuses, rerun.stderr)
        assert {statuses[e["customer"]] for e in entries if e["status"] == "written"} <= {"unchanged"}
    finally:
        stop_all(proc, workers, redis)
