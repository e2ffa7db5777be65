"""``/api/videos/{id}/…`` for a live stream (`videochat_text.live`): its latest picture, its watch
rules and what they matched. The stream itself is watched by ``videochat-text watch`` on the same
library file; these routes read and write that file, so the watcher picks a rule added here up
with its next stretch, and the page shows its matches as toasts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from ..errors import ConfigError
from ..live.recording import latest_frame_path
from ..live.rules import check_rule, parse_rule
from ..timeline import ModuleRecord
from .errors import ERROR_RESPONSES
from .server import Server
from .store import StoredVideo


class RuleRequest(BaseModel):
    rule: str = Field(min_length=1, max_length=300)
    """What to watch for: ``a truck is seen``, ``someone says deadline``, ``EXIT is read``."""
    webhook: str | None = Field(None, max_length=2000)
    """An ``http(s)://`` URL each match is POSTed to as JSON (besides the page's toast)."""


class RuleOut(BaseModel):
    id: int
    text: str
    webhook: str | None


class Alert(BaseModel):
    """A rule that matched: the moment, and only what the module reported there."""

    id: int
    rule: str
    start: float
    end: float
    wall_start: float | None
    """Wall-clock time of ``start`` (seconds since the epoch)."""
    module: str
    text: str
    event_ids: list[str]


def live_router(server: Server) -> APIRouter:
    api = APIRouter(tags=["live"], responses=ERROR_RESPONSES)

    def stream(video_id: str) -> StoredVideo:
        video = server.video(video_id)  # 404
        if video.record.started_at is None:
            raise HTTPException(409, f"{video.name}: not a live stream (`videochat-text watch` follows one)")
        return video

    @api.get("/videos/{video_id}/live.jpg", response_class=Response)
    def latest(video_id: str) -> FileResponse:
        """The stream's latest sampled picture (JPEG; the watcher renews it about every second)."""
        video = stream(video_id)
        path = latest_frame_path(server.library.path, video.id)
        if not path.exists():
            raise HTTPException(404, f"{video.name}: no picture (yet, or the stream has none)")
        return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "no-store"})

    @api.get("/videos/{video_id}/rules")
    def rules(video_id: str) -> dict[str, list[RuleOut]]:
        """The stream's watch rules, oldest first."""
        stream(video_id)
        return {"rules": [RuleOut(**r) for r in server.library.store.rules(video_id)]}

    @api.post("/videos/{video_id}/rules", status_code=201)
    def add_rule(video_id: str, body: RuleRequest) -> RuleOut:
        """Watch the stream for this (the watcher applies it from its next stretch). 400 when the rule
        cannot be read or no module describing the stream could ever match it."""
        video = stream(video_id)
        if body.webhook and not body.webhook.startswith(("http://", "https://")):
            raise HTTPException(400, "webhook: an http:// or https:// URL")
        try:
            rule = parse_rule(body.rule, body.webhook)
            records = server.library.store.modules([video.id]).get(video.id, {})
            check_rule(rule, {n: ModuleRecord(**r) for n, r in records.items()})
        except ConfigError as exc:
            raise HTTPException(400, str(exc)) from None
        rule_id = server.library.store.add_rule(video.id, rule.text, body.webhook)
        if rule_id is None:
            raise HTTPException(404, f"no video with id {video_id!r}")
        return RuleOut(id=rule_id, text=rule.text, webhook=body.webhook)

    @api.delete("/videos/{video_id}/rules/{rule_id}", status_code=204)
    def remove_rule(video_id: str, rule_id: int) -> Response:
        stream(video_id)
        if not server.library.store.remove_rule(video_id, rule_id):
            raise HTTPException(404, f"no rule {rule_id} on this stream")
        return Response(status_code=204)

    @api.get("/videos/{video_id}/alerts")
    def alerts(video_id: str, after: int = Query(0, ge=0), limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
        """What the stream's rules matched, with ids past ``after`` (poll with the last id seen)."""
        video = stream(video_id)
        found = server.library.store.alerts(video.id, after=after, limit=limit)
        started = video.record.started_at or 0.0
        return {"alerts": [Alert(**{k: v for k, v in a.items() if k != "at"}, wall_start=started + a["start"])
                           for a in found]}

    return api
