"""Progress of a queued preview across two web nodes: node A waits on the answer, node B (another
create_app on the same database and queue, as behind a load balancer) tells the page where it
stands, from Redis alone: waiting with the tasks ahead while no worker listens, then being built
once an `annex worker` starts, then done; and the result page comes to node A."""
from __future__ import annotations

import os
import threading
import time
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ..conftest import DATA
from ..web.chrome import CHROMIUM, DRIVER, start_chrome
from ..web.conftest import create_customer, login, make_app
from .servers import Worker

WAIT = 120.0  # seconds a state may take to come on a loaded machine (a wait, not a timing)


def _wait(driver, condition, timeout: float = WAIT):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(condition)


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


SHOTS = os.environ.get("ANNEX_SCREENSHOTS")  # a folder: the waiting page at 1280 and 360 px


@pytest.fixture
def browser():
    if not (CHROMIUM and DRIVER):
        pytest.skip("Debian packages chromium and chromium-driver are not installed "
                    "(scripts/install-system-deps.sh test)")
    driver = start_chrome("1280,900", WAIT)
    yield driver
    driver.quit()


def _customer(server) -> None:
    import httpx2 as httpx

    from ..web.conftest import PASSWORD, csrf_of
    client = httpx.Client(base_url=server.url, timeout=60)
    r = client.post("/login", data={"csrf": csrf_of(client.get("/login").text), "name": "sam", "password": PASSWORD,
                                    "next": "/account"})
    assert r.status_code == 303, r.text[:300]
    create_customer(client, csrf_of(client.get("/account").text), lang="en")


def _looked_at(driver, folder: Path, name: str) -> None:
    """The page as it is now at 360 px (no sideways scroll) and 1280 px, screenshots in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for width in (360, 1280):
        driver.set_window_size(width, 900)
        _wait(driver, lambda d, w=width: d.execute_script("return window.innerWidth") <= w)
        inner, scroll = driver.execute_script("return [window.innerWidth, document.documentElement.scrollWidth]")
        assert width != 360 or scroll <= inner, (name, scroll, inner)
        driver.save_screenshot(str(folder / f"{name}-{width}.png"))
    driver.set_window_size(1280, 900)


def test_the_page_says_where_its_queued_preview_stands_until_the_result_comes(
        tmp_path, s3_env, moto, redis_server, browser):
    """Chrome holds every DevTools command, and so every chromedriver command, to a page whose own
    navigation is pending: the form posts into a second tab (its target set by the test), so that
    the page that waits stays in view, its script and its status line exactly as sent."""
    from selenium.webdriver.support.ui import Select

    from ..web.conftest import PASSWORD, USERS
    from ..web.server import Server
    from ..web.test_browser import _by, _says, _sign_in, _visible
    d = browser
    worker = Worker(tmp_path / "w0", redis_server.url, moto.env(), "--concurrency", "1").start()
    server = Server(tmp_path / "serve", DATA, USERS, PASSWORD, store=f"s3://{moto.bucket('browser-store')}/web",
                    extra=("--queue", redis_server.url, "--insecure-cookies"))  # the test client signs in over http
    try:
        server.start()  # `annex serve --queue` starts only when a worker answers ...
    finally:
        worker.stop()  # ... which then goes: the preview waits for the next one
    worker = None
    try:
        _customer(server)
        _sign_in(d, server, "sam")
        d.get(server.url + "/customers/acme")
        Select(_wait(d, _visible("#matrix"))).select_by_value("s3-object-storage")
        _ahead_of_the_web(redis_server.url, 2)
        page = d.current_window_handle
        d.execute_script("window.open('about:blank', 'result', 'popup,width=800,height=600');"
                         "document.querySelector(\"form[action$='/preview']\").target = 'result'")
        d.switch_to.window(page)
        d.find_element(*_by("form[action$='/preview'] button")).click()
        status = "form[action$='/preview'] .progress"
        assert _wait(d, _says(status, "Waiting for a worker: 2 ahead of yours in the queue."))
        line = d.find_element(*_by(status))
        assert line.get_attribute("role") == "status" and line.get_attribute("aria-live") == "polite"
        assert d.find_element(*_by("form[action$='/preview'] button")).get_attribute("disabled")
        _looked_at(d, Path(SHOTS) if SHOTS else tmp_path / "shots", "preview-waiting")
        worker = Worker(tmp_path / "w1", redis_server.url, moto.env(), "--concurrency", "1").start()
        assert _wait(d, _says(status, "Done: opening the result…"))  # built, then done, as the line said
        d.switch_to.window(next(w for w in d.window_handles if w != page))
        _wait(d, _visible(".pages img"))  # the result page came
        assert "DRAFT watermark" in d.find_element(*_by("#preview-note")).text
    finally:
        if worker is not None:
            worker.stop()
        server.stop()
