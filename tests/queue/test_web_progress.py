"""Progress of a queued preview across two web nodes: node A waits on the answer, node B (another
create_app on the same database and queue, as behind a load balancer) tells the page where it
stands, from Redis alone: waiting with the tasks ahead while no worker listens, then being built
once an `annex worker` starts, then done; and the result page comes to node A."""
from __future__ import annotations

import threading
import time
import uuid

from fastapi.testclient import TestClient

from ..conftest import DATA
from ..web.conftest import create_customer, login, make_app
from .servers import Worker

WAIT = 120.0  # seconds a state may take to come on a loaded machine (a wait, not a timing)


def _nodes(tmp_path, queue: str, store: str):
    from generator.web import Settings, create_app
    db = f"sqlite:///{tmp_path / 'annex.sqlite3'}"
    a = make_app(tmp_path, db, queue=queue, store_url=store)
    b = create_app(Settings(data_dir=DATA, db_url=db, queue=queue, store_url=store, secure_cookies=False))
    return a, b


def _ahead_of_the_web(url: str, n: int) -> None:
    """`n` tasks of another build, queued before the page's: the worker refuses each at once."""
    from generator.queue.app import QUEUE, TASK, make_app
    app = make_app(url)
    app.backend.client.delete(QUEUE)
    for _ in range(n):
        app.send_task(TASK, args=[{}, "another build"], queue=QUEUE)


def _until(node, token: str, done, seen: list) -> dict:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        answer = node.get(f"/progress/{token}").json()
        if not seen or seen[-1] != answer:
            seen.append(answer)
        if done(answer):
            return answer
        time.sleep(0.02)
    raise AssertionError(f"the progress never came there: {seen}")


def test_a_queued_preview_goes_waiting_then_built_then_done_as_any_web_node_tells(
        tmp_path, s3_env, moto, redis_server):
    node_a, node_b = _nodes(tmp_path, redis_server.url, f"s3://{moto.bucket('progress-store')}/web")
    _ahead_of_the_web(redis_server.url, 2)
    token, seen, answer = str(uuid.uuid4()), [], {}
    worker = None
    with TestClient(node_a) as a, TestClient(node_b) as b:
        csrf = login(a, "sam")
        create_customer(a, csrf)
        login(b, "sam")  # the same user, signed in through the other node
        form = {"csrf": csrf, "matrix": "s3-object-storage", "lang": "en", "job": token}
        waiting = threading.Thread(target=lambda: answer.update(r=a.post("/customers/acme/preview", data=form)))
        waiting.start()
        try:
            first = _until(b, token, lambda s: s["state"] == "waiting" and s["ahead"] is not None, seen)
            assert first == {"state": "waiting", "ahead": 2,
                             "text": "Waiting for a worker: 2 ahead of yours in the queue."}
            worker = Worker(tmp_path / "w", redis_server.url, moto.env(), "--concurrency", "1").start()
            last = _until(b, token, lambda s: s["state"] in ("done", "failed"), seen)
        finally:
            waiting.join(WAIT)
            if worker is not None:
                worker.stop()
        assert last == {"state": "done", "ahead": None, "text": "Done: opening the result…"}
        states = [s["state"] for n, s in enumerate(seen) if n == 0 or seen[n - 1]["state"] != s["state"]]
        assert states == ["unknown", "waiting", "building", "done"] or states == ["waiting", "building", "done"], seen
        assert {s["text"] for s in seen if s["state"] == "building"} == {"Building the annex…"}
        assert answer["r"].status_code == 200 and "/files/" in answer["r"].text  # the page came to node A
        login(b, "leo")  # another user on either node: the token names no job of theirs
        assert b.get(f"/progress/{token}").json()["state"] == "unknown"
