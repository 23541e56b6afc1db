"""Faults of `annex worker` itself, with two real workers over a real Redis and a bucket of moto:
a task past `--job-timeout` (stopped by Celery's soft limit when it can be interrupted, its pool
process killed by the hard limit when it is blocked in C code), and a whole worker killed with
SIGKILL mid-task (its task handed to the other worker once the visibility timeout passes)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import ROOT
from ..helpers import annex
from ..security.test_batch_faults import customers_file
from .bucket import consistent, folder, objects
from .servers import Redis, Worker
from .test_queue_faults import stop_all, wait_for

TIMEOUT = 300  # a regression fails the test instead of hanging it
JOB_TIMEOUT = 10  # seconds: the soft limit (a sample annex takes 1-5 s on 2 loaded cores); the hard one is
                  # 10 s later (queue.app.GRACE)
SLOW_TIMEOUT = 20  # seconds: the workers' --job-timeout when a slow task (2 s more) must be built
VISIBILITY = 31  # seconds: above the hard limit of --job-timeout 20, far below the default (90 s)


@pytest.fixture
def slow_brand(tmp_path) -> Path:
    """The default brand, with an HTML template that, by the customer's id: never ends in Python
    (`hang...`: Jinja loops, interrupted at any bytecode), stays minutes in one C call (`stuck...`:
    a quadratic `sum` of 150,000 lists, ~50 s, during which Python runs no signal handler), or takes a
    few seconds and then renders the default annex (`slow...`)."""
    brand = tmp_path / "brand"
    brand.mkdir()
    default = (ROOT / "templates" / "default" / "annex.html.j2").read_text(encoding="utf-8")
    loops = '{%% for i in range(%d) %%}{%% for j in range(100000) %%}{%% endfor %%}{%% endfor %%}'
    spin = ('{% set who = annex.customer.id if annex.customer else "" %}'
            '{% if who.startswith("hang") %}' + loops % 100000 + '{% endif %}'
            '{% if who.startswith("slow") %}' + loops % 700 + '{% endif %}'
            '{% if who.startswith("stuck") %}'
            '{% set many = (range(75000)|batch(1)|list) + (range(75000)|batch(1)|list) %}'
            '{% set _ = many|sum(start=[]) %}{% endif %}')
    (brand / "annex.html.j2").write_text(spin + default, encoding="utf-8")
    return brand


def two_workers(tmp_path: Path, redis: Redis, moto, brand: Path, *extra: str) -> list[Worker]:
    return [Worker(tmp_path / "w", redis.url, moto.env(), "--concurrency", "1", "--templates", str(brand),
                   *extra, name=f"w{i}").start() for i in range(2)]


def run_batch(tmp_path: Path, ids: list[str], brand: Path, redis: Redis, out: str, env: dict, *extra: str):
    return subprocess.Popen([sys.executable, "-m", "generator", "batch", str(customers_file(tmp_path, ids)),
                             "--templates", str(brand), "--queue", redis.url, "-o", out, *extra],
                            cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)


def test_a_task_past_its_time_limit_fails_alone_and_its_worker_goes_on(tmp_path, s3_env, moto, slow_brand):
    """`--job-timeout 10`: the task spinning in Python stops at the soft limit (10 s), the one in
    a C call ignores it and its pool process is killed at the hard limit (20 s), which Celery
    replaces. Each fails alone with "took longer than 10 s", neither is delivered again, the
    PDF they were stopped in is followed by no DOCX, the others are built, exit 1; then both
    workers build the next batch."""
    redis = Redis(tmp_path / "redis").start()
    workers = two_workers(tmp_path, redis, moto, slow_brand, "--job-timeout", str(JOB_TIMEOUT))
    bucket = moto.bucket("time-limit")
    pools = pool_processes(redis.url)
    proc = run_batch(tmp_path, ["hang", "stuck", "ok1", "ok2"], slow_brand, redis, f"s3://{bucket}/t", s3_env,
                     "--job-timeout", str(JOB_TIMEOUT))
    try:
        _, err = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 1, err
        assert "Traceback" not in err, err
        assert "FAILED hang" in err and "FAILED stuck" in err and "took longer than 10 s" in err, err
        assert err.splitlines()[-1].startswith("4 written, 0 unchanged, 4 failed"), err
        entries = consistent(moto.client(), bucket, "t")  # strict: no DOCX stored after the stopped PDF
        status = {(e["customer"], e["format"]): e["status"] for e in entries}
        assert status == {(c, f): "failed" if c in ("hang", "stuck") else "written"
                          for c in ("hang", "stuck", "ok1", "ok2") for f in ("pdf", "docx")}, entries
        for e in entries:
            if e["status"] == "failed":
                assert "took longer than 10 s and was stopped (--job-timeout)" in e["error"], e
        logs = "".join(w.text() for w in workers)
        assert logs.count("Soft time limit (10.0s) exceeded") == 2, logs[-4000:]  # each task once, never again
        assert logs.count("Hard time limit (20.0s) exceeded") == 1, logs[-4000:]  # the C call only
        assert all(w.proc is not None and w.proc.poll() is None for w in workers)  # the main processes
        before = [w.text().count("succeeded in") for w in workers]
        again = annex("batch", customers_file(tmp_path, [f"next{n}" for n in range(4)], "next.yaml"),
                      "--format", "pdf", "--templates", slow_brand, "--queue", redis.url, "-o", f"s3://{bucket}/n",
                      timeout=TIMEOUT, env=s3_env)
        assert again.returncode == 0, again.stderr
        assert {e["status"] for e in consistent(moto.client(), bucket, "n")} == {"written"}
        after = [w.text().count("succeeded in") for w in workers]
        assert all(a > b for a, b in zip(after, before, strict=True)), (before, after)  # both workers took tasks again
        now = pool_processes(redis.url)
        assert sorted(now[host] == pids for host, pids in pools.items()) == [False, True], (pools, now)
        client = redis_client(redis)
        wait_for(lambda: client.hlen("unacked") == 0, None, limit=30)  # nothing left to deliver again
        assert attempts(client) == [1] * 8  # every task of both batches delivered once
    finally:
        stop_all(proc, workers, redis)


def pool_processes(url: str) -> dict[str, list[int]]:
    """Each worker's pool processes, as Celery's remote control tells."""
    from generator.queue.app import make_app
    stats = make_app(url).control.inspect(timeout=2.0).stats() or {}
    return {host: sorted(s["pool"]["processes"]) for host, s in stats.items()}


def redis_client(redis: Redis):
    import redis as redis_py
    return redis_py.Redis.from_url(redis.url)


def attempts(client) -> list[int]:
    """How many times each task was delivered (queue.worker.count_attempt's counters), sorted."""
    return sorted(int(client.get(key)) for key in client.keys("annex:attempts:*"))


def running_on(workers: list[Worker], url: str, customer: str) -> Worker:
    """The worker whose pool is building `customer`'s task, as Celery's remote control tells."""
    from generator.queue.app import make_app
    control = make_app(url).control
    found: list[Worker] = []

    def look() -> bool:
        for host, tasks in (control.inspect(timeout=0.5).active() or {}).items():
            if any(f"'id': '{customer}'" in str(t.get("args")) for t in tasks):
                found.extend(w for w in workers if host.startswith(f"annex-{w.pid}@"))
        return bool(found)
    wait_for(look, None, limit=120)
    return found[0]


def test_a_worker_killed_whole_mid_task_loses_nothing(tmp_path, s3_env, moto, slow_brand):
    """SIGKILL of a whole `annex worker` (the Celery main process and its pool, as a machine
    that vanishes) while it builds a task: the task stays unacknowledged in Redis, and once
    the visibility timeout (--visibility-timeout 31) passes the other worker builds it (its
    second delivery, not given up). The batch exits 0 and the bucket holds, by SHA-256, every
    annex and the manifest of the same batch run locally."""
    ids = ["slow1", "ok1", "ok2"]
    local = annex("batch", customers_file(tmp_path, ids), "--templates", slow_brand, "-o", tmp_path / "local",
                  timeout=TIMEOUT)
    assert local.returncode == 0, local.stderr
    redis = Redis(tmp_path / "redis").start()
    workers = two_workers(tmp_path, redis, moto, slow_brand, "--job-timeout", str(SLOW_TIMEOUT),
                          "--visibility-timeout", str(VISIBILITY))
    bucket = moto.bucket("killed-whole")
    proc = run_batch(tmp_path, ids, slow_brand, redis, f"s3://{bucket}/k", s3_env)
    try:
        victim = running_on(workers, redis.url, "slow1")
        os.killpg(victim.pid, signal.SIGKILL)  # the main process and its pool processes
        victim.proc.wait(10)
        _, err = proc.communicate(timeout=TIMEOUT)
        delivered = attempts(redis_client(redis))
    finally:
        stop_all(proc, workers, redis)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "FAILED" not in err, err
    assert err.splitlines()[-1].startswith("6 written, 0 unchanged, 0 failed"), err
    assert {e["status"] for e in consistent(moto.client(), bucket, "k")} == {"written"}
    assert objects(moto.client(), bucket, "k") == folder(tmp_path / "local")  # every annex, the manifest
    (survivor,) = [w for w in workers if w is not victim]
    assert survivor.text().count("succeeded in") == 3  # all three tasks, the slow one delivered again
    assert delivered == [1, 1, 2]  # the killed worker's task: its second delivery, built
