"""The Celery application both sides share: the broker and result backend are the same Redis.

Settings chosen for a batch that must lose nothing: JSON only (a pickled payload would run
code on the worker), late acknowledgement and rejection when the worker process dies (a task
killed mid-way goes back to the queue instead of vanishing), one task reserved per worker
process (a slow annex does not hold others hostage), and a visibility timeout above the job
time limit (a task whose whole worker machine vanished is handed to another after it). A
worker records STARTED when it begins a task (task_track_started), so that a person waiting
on the web sees "being built" rather than "waiting" (queue/progress.py).
"""
from __future__ import annotations

import ssl
from typing import Any, Optional
from urllib.parse import parse_qs, urlsplit

from ..infra.diagnostics import InputError, error, printable

QUEUE = "annex"  # the Celery queue the tasks go through
TASK = "annex.build"  # the task's name: the coordinator sends it by name, never imports the worker
JOB_TIMEOUT = 300.0
GRACE = 10.0  # seconds between the soft limit (the job stops itself) and the hard one (its process is killed)
RESULT_TTL = 7 * 24 * 3600  # results and attempt counters outlive any batch, then leave Redis


RESTORE_EVERY = 5  # seconds between two looks of a worker for the tasks of a worker that vanished
VISIBILITY_MARGIN = 60.0  # seconds past the hard limit: the workers' clocks may differ by that much


def visibility_timeout(job_timeout: float, chosen: Optional[float] = None) -> int:
    """How long a task taken by a worker that vanished whole stays invisible before Redis hands
    it to another: longer than any task may run, so that a running task is never run twice
    (`chosen`, the worker's --visibility-timeout, is checked to be so by check_visibility)."""
    return int(chosen if chosen else job_timeout + GRACE + VISIBILITY_MARGIN)


def check_visibility(job_timeout: float, chosen: Optional[float]) -> None:
    """A visibility timeout no longer than the hard limit would hand a running task to a second
    worker: one usage error."""
    if chosen is not None and chosen <= job_timeout + GRACE:
        raise InputError([error("--visibility-timeout", f"{chosen:g} s is not longer than a task may run "
                                                        f"({job_timeout:g} s --job-timeout + {GRACE:g} s)",
                                hint=f"give more than {job_timeout + GRACE:g} s (default: "
                                     f"{job_timeout + GRACE + VISIBILITY_MARGIN:g} s), or a shorter --job-timeout")],
                         unreadable=True)


def check_url(url: str, option: str = "--queue") -> str:
    """A Redis URL (redis:// or rediss:// for TLS), or one clear usage error."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise InputError([error(option, f"`{printable(redact(url), 200)}` is not a Redis URL",
                                hint="write redis://[:PASSWORD@]HOST:6379/0, or rediss://... for TLS "
                                     "(also from ANNEX_QUEUE)")], unreadable=True)
    return url


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = f"{parts.username}:" if parts.username else ":"
    return parts._replace(netloc=f"{user}***@{netloc}").geturl()


def tls_options(url: str) -> Optional[dict[str, Any]]:
    """rediss:// verifies the server's certificate unless the URL says otherwise
    (`?ssl_cert_reqs=...`, `ssl_ca_certs=...` as redis-py reads them)."""
    parts = urlsplit(url)
    if parts.scheme != "rediss":
        return None
    query = parse_qs(parts.query)
    if "ssl_cert_reqs" in query:
        return None  # Celery reads the URL's own options
    return {"ssl_cert_reqs": ssl.CERT_REQUIRED}


def make_app(url: str, *, job_timeout: float = JOB_TIMEOUT, visibility: Optional[float] = None):
    """The Celery app for the Redis at `url` (broker and result backend)."""
    from celery import Celery
    app = Celery("annex", broker=url, backend=url, set_as_current=False)
    # a worker looks for tasks whose worker vanished every RESTORE_EVERY s (kombu's default: every
    # 10th look of one each 10 s, so up to 100 s after the visibility timeout)
    transport = {"visibility_timeout": visibility_timeout(job_timeout, visibility), "socket_connect_timeout": 5,
                 "socket_timeout": 30, "retry_on_timeout": True, "health_check_interval": 10,
                 "unacked_restore_interval": RESTORE_EVERY, "unacked_restore_throttle": 1}
    app.conf.update(
        task_serializer="json", result_serializer="json", accept_content=["json"], result_accept_content=["json"],
        task_acks_late=True, task_reject_on_worker_lost=True, task_acks_on_failure_or_timeout=True,
        task_track_started=True, worker_prefetch_multiplier=1, task_default_queue=QUEUE,
        task_create_missing_queues=False,
        task_time_limit=job_timeout + GRACE, task_soft_time_limit=job_timeout,
        broker_transport_options=transport, result_backend_transport_options=transport,
        redis_socket_connect_timeout=5, redis_socket_timeout=30, redis_retry_on_timeout=True,
        redis_backend_health_check_interval=10,
        broker_connection_retry_on_startup=True, broker_connection_max_retries=None,
        result_expires=RESULT_TTL, result_backend_always_retry=True, result_backend_max_retries=60,
        result_backend_base_sleep_between_retries_ms=200, result_backend_max_sleep_between_retries_ms=2000,
        worker_hijack_root_logger=False, worker_send_task_events=False,
        task_send_sent_event=False, worker_enable_remote_control=True,
        worker_cancel_long_running_tasks_on_connection_loss=False,
    )
    tls = tls_options(url)
    if tls:
        app.conf.update(broker_use_ssl=tls, redis_backend_use_ssl=tls)
    return app


def ping_redis(url: str, option: str = "--queue") -> None:
    """Reach the Redis once before any work: unreachable, a wrong password or a wrong TLS setup
    stops the command with one line (exit 2)."""
    import redis
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=10, **(tls_options(url) or {}))
        try:
            client.ping()
        finally:
            client.close()
    except redis.AuthenticationError:
        raise unreachable(url, option, "the password was refused",
                          "put the password Redis expects (requirepass) in the URL: redis://:PASSWORD@HOST/0") from None
    except redis.ResponseError as exc:
        reason = str(exc).split("\n")[0]
        hint = ("put the password in the URL: redis://:PASSWORD@HOST/0" if "NOAUTH" in reason
                else "check the URL's database number and the server's configuration")
        raise unreachable(url, option, printable(reason, 200), hint) from None
    except (redis.RedisError, OSError, ValueError) as exc:
        reason = str(exc).split("\n")[0] or type(exc).__name__
        raise unreachable(url, option, f"cannot connect ({printable(reason, 200)})",
                          "start Redis there, or correct --queue / ANNEX_QUEUE") from None


def unreachable(url: str, option: str, what: str, hint: str) -> InputError:
    return InputError([error(option, f"the queue at {printable(redact(url), 200)}: {what}", hint=hint)],
                      unreadable=True)
