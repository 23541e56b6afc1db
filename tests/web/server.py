"""`annex serve` started for a test as a real process on 127.0.0.1 (its own process group, so
that the server and its worker processes are all stopped at the end), with users made first."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .pg import free_port

READY_TIMEOUT = 90  # seconds: a loaded 2-core machine starts Python, FastAPI and a worker slowly


class Server:
    def __init__(self, folder: Path, data_dir: Path, users: dict[str, str], password: str, workers: int = 1,
                 extra: tuple[str, ...] = (), store: str | None = None):
        self.folder, self.data_dir, self.users, self.password, self.workers = folder, data_dir, users, password, workers
        self.extra = extra  # more `annex serve` options
        self.store = store or str(folder / "files")  # a folder, or s3://BUCKET/PREFIX
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = f"sqlite:///{folder / 'annex.sqlite3'}"
        self.proc: subprocess.Popen | None = None

    def _annex(self, *args: str, stdin: str = "") -> None:
        subprocess.run([sys.executable, "-m", "generator", *args, "--db", self.db], input=stdin, text=True,
                       check=True, capture_output=True, timeout=120)

    def start(self) -> Server:
        for name, role in self.users.items():
            self._annex("user", "add", name, "--role", role, stdin=self.password + "\n")
        self.log = open(self.folder / "server.log", "w")
        # Secure cookies, as deployed: browsers accept them from http://127.0.0.1
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "generator", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--db", self.db, "--data", str(self.data_dir), "--workers", str(self.workers),
             "--store", self.store, *self.extra],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"annex serve exited: {(self.folder / 'server.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"annex serve did not answer within {READY_TIMEOUT} s")

    def stop(self) -> None:
        if self.proc is None:
            return
        try:  # the server first: it stops its worker processes itself
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            pass
        except ProcessLookupError:
            pass
        try:  # whatever is left of the group (worker processes), for sure
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(10)
        self.proc = None
        self.log.close()
