"""Load test of the web service: N concurrent API clients asking for annexes of different
customers for a bounded time, against `annex serve` started here on 127.0.0.1 only.

    python bench/web_load.py                       # 20 clients, 60 s, PDF, 2 worker processes
    python bench/web_load.py --clients 5 --duration 10 --workers 1

It reports every request's outcome (any error is a failure: exit 1) and the latency p50/p95/max
of the load beside the warm single-annex figure (one client, one request at a time, after warm-up).
Bounded: at most --max-requests requests, and the server is stopped (its whole process group)
whatever happens. The database is a throwaway SQLite file; nothing leaves the machine.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # never anything else: this is a load generator


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _annex(*args: str, db: str, stdin: str = "") -> str:
    return subprocess.run([sys.executable, "-m", "generator", *args, "--db", db], input=stdin, text=True, check=True,
                          capture_output=True, cwd=ROOT, timeout=120).stdout


def start_server(folder: Path, workers: int) -> tuple[subprocess.Popen, int, str]:
    db = f"sqlite:///{folder / 'annex.sqlite3'}"
    _annex("user", "add", "loadtest", "--role", "sales", db=db, stdin="load test password\n")
    token = _annex("token", "create", "loadtest", db=db).strip()
    port = _free_port()
    log = open(folder / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--host", HOST, "--port", str(port),
                             "--db", db, "--store", str(folder / "files"), "--workers", str(workers),
                             "--data", str(ROOT / "data")],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"annex serve exited: {(folder / 'server.log').read_text()[-2000:]}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc, port, token
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise SystemExit("annex serve did not start within 120 s")


def stop_server(proc: subprocess.Popen) -> None:
    try:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(10)


class Client:
    """One API client on a keep-alive connection."""

    def __init__(self, port: int, token: str, fmt: str):
        self.conn = http.client.HTTPConnection(HOST, port, timeout=300)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.fmt = fmt

    def annex(self, n: str) -> tuple[int, float]:
        body = json.dumps({"matrix": "s3-object-storage", "format": self.fmt, "customer": {
            "id": f"load-{n}", "name": f"Client de charge {n} SA", "contract": f"CT-LOAD-{n}", "annex": "3",
            "lang": "fr", "matrices": ["s3-object-storage"], "effective_date": "2025-06-01",
            "signatories": {"customer": {"name": f"Signataire {n}", "title": "DSI", "place": "Lyon"}}}})
        start = time.perf_counter()
        self.conn.request("POST", "/api/annexes", body=body, headers=self.headers)
        response = self.conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - start


def run_load(port: int, token: str, clients: int, duration: float, max_requests: int, fmt: str):
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + duration
    counter = iter(range(max_requests))

    def worker(k: int) -> None:
        client = Client(port, token, fmt)
        while time.monotonic() < deadline:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            try:
                status, seconds = client.annex(f"{k}-{n}")
            except OSError as exc:
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")
                client = Client(port, token, fmt)
                continue
            with lock:
                (latencies if status == 201 else errors).append(seconds if status == 201 else f"HTTP {status}")

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, time.monotonic() - started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load (at most 600)")
    ap.add_argument("--workers", type=int, default=2, help="annex worker processes of the server")
    ap.add_argument("--max-requests", type=int, default=5000)
    ap.add_argument("--format", default="pdf", choices=["pdf", "docx", "all"])
    args = ap.parse_args()
    duration = min(args.duration, 600.0)
    with tempfile.TemporaryDirectory(prefix="annex-load-") as tmp:
        proc, port, token = start_server(Path(tmp), args.workers)
        try:
            single = Client(port, token, args.format)
            for i in range(2 * args.workers + 2):  # every worker lays the matrix pages out and keeps them
                single.annex(f"warm-{i}")
            warm = [single.annex(f"single-{i}")[1] for i in range(7)]
            latencies, errors, wall = run_load(port, token, args.clients, duration, args.max_requests, args.format)
        finally:
            stop_server(proc)
    print(f"server: {args.workers} worker process(es), {os.cpu_count()} CPU(s); format {args.format}; "
          f"machine load average after the run {os.getloadavg()[0]:.1f} (other work slows every figure)")
    print(f"warm single annex (one client): median {statistics.median(warm):.3f} s, min {min(warm):.3f} s")
    print(f"load: {args.clients} clients for {wall:.1f} s: {len(latencies)} annexes, {len(errors)} error(s), "
          f"{len(latencies) / wall:.2f} annexes/s")
    if latencies:
        print(f"latency under load: p50 {percentile(latencies, 50):.3f} s, p95 {percentile(latencies, 95):.3f} s, "
              f"max {max(latencies):.3f} s")
    for e in sorted(set(errors))[:10]:
        print(f"  error: {e} (x{errors.count(e)})")
    sys.exit(1 if errors or not latencies else 0)


if __name__ == "__main__":
    main()
