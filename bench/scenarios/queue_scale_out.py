"""The queue scenario (bench/scale_out.py): the local pool against Celery workers on this machine,
into an S3-compatible bucket; it starts servers, so it runs only with --queue."""
from __future__ import annotations

from lib import Unavailable, scenario


@scenario("queue", kind="batch", order=300, opt_in="--queue")
def queue(args) -> list[dict]:
    try:
        from scale_out import queue_scenario, report  # bench/scale_out.py
    except ImportError as exc:
        raise Unavailable(f"no queue scenario in this tree ({exc})") from None
    rows = []
    for n in args.sizes:
        r = queue_scenario(n, args.jobs)
        rows.append({**r, "text": report(r)})
    return rows
