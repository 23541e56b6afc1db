"""The queue scenario: one batch through the local pool and through Celery workers on this machine.

    python bench/run.py --queue [--sizes 100] [-j 2]

The same customers (bench/run.py's make_customers) are built three ways, each into a fresh place:
the local pool into a folder (today's default), the local pool into a bucket, and the queue
(`annex batch --queue`, two `annex worker --concurrency 1` started beforehand, as deployed)
into a bucket. The bucket is moto's S3-compatible server on 127.0.0.1, the queue a throwaway
redis-server. The figure that matters is the queue's overhead per annex against the local
pool writing into the same bucket (goal: within 10%).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _servers(tmp: Path):
    sys.path.insert(0, str(ROOT))
    from tests.queue.servers import Moto, Redis, Worker
    return Redis(tmp / "redis").start(), Moto(tmp / "moto").start(), Worker


def _batch(customers: Path, out: str, jobs: int, env: dict[str, str], *extra: str) -> dict:
    cmd = [sys.executable, "-m", "generator", "batch", str(customers), "-j", str(jobs), "--format", "all",
           "-o", out, *extra]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    last = proc.stderr.strip().splitlines()[-1:] or [""]
    written = int(last[0].split()[0]) if proc.returncode == 0 and last[0].split()[0].isdigit() else 0
    return {"exit": proc.returncode, "wall": wall, "annexes": written, "per_annex_ms": 1000 * wall / max(written, 1),
            "last_line": last[0][:300]}


def queue_scenario(n: int, jobs: int) -> dict:
    """The three runs of `n` customers; `jobs` local processes, and as many single-process workers."""
    from run import make_customers  # bench/run.py, beside this file
    tmp = Path(tempfile.mkdtemp(prefix="annex-bench-queue-"))
    redis, moto, Worker = _servers(tmp)
    workers = []
    try:
        customers = tmp / "customers.yaml"
        make_customers(n, customers)
        env = moto.env()
        for name in ("local", "queue"):
            moto.bucket(f"bench-{name}")
        results = {"local-folder": _batch(customers, str(tmp / "out"), jobs, env),
                   "local-s3": _batch(customers, "s3://bench-local/run", jobs, env)}
        workers = [Worker(tmp / "workers", redis.url, env, "--concurrency", "1", name=f"w{i}").start()
                   for i in range(jobs)]
        results["queue-s3"] = _batch(customers, "s3://bench-queue/run", jobs, env, "--queue", redis.url)
    finally:
        for w in workers:
            w.stop()
        moto.stop()
        redis.stop()
    base, queued = results["local-s3"], results["queue-s3"]
    overhead = (queued["wall"] - base["wall"]) / max(base["annexes"], 1)
    return {"name": f"queue-{n}", "customers": n, "workers": jobs, **{k: v for k, v in results.items()},
            "overhead_per_annex_ms": 1000 * overhead,
            "overhead_pct": 100 * (queued["wall"] / base["wall"] - 1) if base["wall"] else 0.0}


def report(r: dict) -> str:
    lines = [f"{name:<14} wall {r[name]['wall']:7.1f} s   {r[name]['annexes']} annexes   "
             f"{r[name]['per_annex_ms']:7.1f} ms/annex   exit {r[name]['exit']}"
             for name in ("local-folder", "local-s3", "queue-s3")]
    lines.append(f"queue overhead vs local pool into the same bucket: {r['overhead_per_annex_ms']:+.1f} ms/annex "
                 f"({r['overhead_pct']:+.1f}%, goal within 10%)")
    return "\n".join(lines)


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    result = queue_scenario(size, int(os.environ.get("JOBS", "2")))
    print(report(result))
    print(json.dumps(result, indent=2))
