"""Progress of a preview or an issue while its request waits: the page's script makes a job token
(a UUID) when the form is sent, the form carries it, and the script asks `GET /progress/TOKEN`
about once a second, in words for a person: waiting for a worker (with the tasks ahead of it),
being built, done, failed.

A token is the browser's, so it is only a name: the job id is derived from it and the signed-in
user (job_id), so that a token of another user, or one never sent, names a job nobody has and
tells nothing. With `--queue` the state lives in the queue's Redis (queue/progress.py), which
every web node reads; the local generator keeps it in its own memory (jobs.LocalJobs).
"""
from __future__ import annotations

import hashlib
import re
from typing import Any, Optional

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from .deps import Auth, page_user
from .errors import Refused
from .i18n import words
from .jobs import STATES, UNKNOWN, WAITING, Progress

router = APIRouter(include_in_schema=False)
TOKEN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")  # a version-4 UUID
__all__ = ["STATES", "Progress", "job_id", "job_of", "router", "said", "valid_token"]


def valid_token(token: str) -> bool:
    return TOKEN.fullmatch(token) is not None  # 36 characters, no more


def job_id(user_id: int, token: str) -> str:
    """The job's id on the queue (its Celery task id): one user's tokens never name another's jobs."""
    digest = hashlib.sha256(f"annex web job\0{user_id}\0{token}".encode()).hexdigest()
    return f"annex-web-{digest[:40]}"


def job_of(form: Any, auth: Auth) -> Optional[str]:
    """The job id of a form's `job` field; None without one (a browser without the script)."""
    token = str(form.get("job") or "")
    if not token:
        return None
    if not valid_token(token):
        raise Refused(400, "bad_request", "job")
    return job_id(auth.user.id, token)


def said(progress: Progress, lang: str) -> str:
    """The state in the person's words."""
    t = words(lang)
    if progress.state == WAITING:
        if progress.ahead is None:
            return t("progress_waiting")
        return t("progress_next") if progress.ahead == 0 else t("progress_ahead", n=progress.ahead)
    if progress.state == UNKNOWN:
        return t("working")
    return t("progress_" + progress.state)


@router.get("/progress/{token}")
def progress(request: Request, token: str, auth: Auth = Depends(page_user())) -> JSONResponse:
    """Where the signed-in user's job of this token stands, as JSON."""
    if not valid_token(token):
        return JSONResponse({"error": words(auth.user.lang)("bad_request")}, 400)
    found = request.app.state.generator.progress(job_id(auth.user.id, token))
    return JSONResponse({"state": found.state, "ahead": found.ahead, "text": said(found, auth.user.lang)},
                        headers={"Cache-Control": "no-store"})
