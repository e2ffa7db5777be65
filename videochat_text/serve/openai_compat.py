"""OpenAI-compatible endpoints: any OpenAI client or chat front end can talk to a video.

``GET /v1/models`` lists ``library`` (every video) and the described videos as models
``video:<id>``; ``POST /v1/chat/completions`` with ``model: "video:<id>"`` answers the last
user message about that video (``model: "library"``: across every video), the earlier
messages being the conversation (stateless, as OpenAI's API is). ``stream: true`` sends ``chat.completion.chunk`` events and
``data: [DONE]``. Extra field: ``citations`` (the moments the answer rests on, as in
``ask --format json``, with ``event_ids`` and ``video``) on the completion and on the last chunk.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, AsyncIterator, Literal

from fastapi import APIRouter, HTTPException
from fastapi.concurrency import run_in_threadpool
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from pydantic import BaseModel, ConfigDict

from ..prompt import defang
from .errors import message_of
from .events import event_stream
from .model_queue import Ticket
from .server import Server
from .sessions import Conversation

MODEL_PREFIX = "video:"
LIBRARY_MODEL = "library"
"""The model that asks across every video of the library."""


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # content parts: only text parts are read
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    """OpenAI's request; sampling options are accepted and ignored (the config sets them)."""

    model_config = ConfigDict(extra="allow")

    model: str
    messages: list[Message]
    stream: bool = False


def _history(messages: list[Message]) -> tuple[list[BaseMessage], str]:
    """Earlier user/assistant turns, and the question (the last user message)."""
    if not messages or messages[-1].role != "user" or not messages[-1].text().strip():
        raise HTTPException(400, "the last message must be the user's question")
    history: list[BaseMessage] = []
    for message in messages[:-1]:
        if message.role == "user":
            history.append(HumanMessage(message.text()))
        elif message.role == "assistant":  # re-enters the prompt: made safe like the description
            history.append(AIMessage(defang(message.text())))
    return history, messages[-1].text()


def openai_router(server: Server) -> APIRouter:
    router = APIRouter(tags=["openai-compatible"])

    def video_id_of(model: str) -> str | None:
        """The video ``model`` names; None for ``library`` (every video)."""
        if model == LIBRARY_MODEL:
            return None
        if not model.startswith(MODEL_PREFIX):
            raise HTTPException(404, f"model {model!r} is not a video: use 'video:<id>', or 'library' for every "
                                     "video (GET /v1/models lists them)")
        return model[len(MODEL_PREFIX):]

    @router.get("/models")
    def models() -> dict[str, Any]:
        """``library`` (asks across every video), then each described video as ``video:<id>``."""
        described = server.library.store.videos(status=["done", "live"], order="added")  # live: as described so far
        data = [{"id": LIBRARY_MODEL, "object": "model", "created": 0, "owned_by": "videochat-text",
                 "name": f"every video in the library ({len(described)})"}]
        data += [{"id": MODEL_PREFIX + v.id, "object": "model", "created": int(v.added_at),
                  "owned_by": "videochat-text", "name": v.name} for v in described]
        return {"object": "list", "data": data}

    @router.post("/chat/completions")
    async def completions(body: ChatCompletionRequest):
        """OpenAI's chat completion about video ``model`` (``library``: across every video); extra field
        ``citations``. 429 (OpenAI's ``rate_limit_exceeded``, with ``Retry-After``) when
        ``serve.max_queued_questions`` wait already."""
        history, question = _history(body.messages)
        video_id = video_id_of(body.model)
        if video_id is not None:
            await run_in_threadpool(server.described, video_id)  # 404 / 409 now, not once queued

        def conversation() -> Conversation:  # stateless, as OpenAI's API is: the messages are the history
            session = server.new_session(video_id) if video_id is not None else server.library_session()
            session.history = history[-2 * server.sessions.turns:]
            return Conversation(id="", video_id=video_id, session=session)

        ticket = server.ask(question, conversation)
        head = {"id": f"chatcmpl-{uuid.uuid4().hex}", "created": int(time.time()), "model": body.model}
        if body.stream:
            return event_stream(_chunks(ticket, head))
        answer = await ticket.result()
        return {**head, "object": "chat.completion",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": answer["answer"]}}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                "citations": answer["citations"]}

    return router


async def _chunks(ticket: Ticket, head: dict[str, Any]) -> AsyncIterator[str]:
    """``chat.completion.chunk`` events as the verified sentences come; while the model is still
    waited for, SSE comments (``: thinking 4.0 s``) that OpenAI clients skip and proxies see as life."""
    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        payload = {**head, "object": "chat.completion.chunk",
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return f"data: {json.dumps(payload)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    async for kind, value in ticket.events():
        if kind == "status":
            place = f" (place {value['position']})" if value["position"] else ""
            yield f": {value['stage']} {value['elapsed_s']} s{place}\n\n"
        elif kind == "chunk":
            yield chunk({"content": value})
        elif kind == "done":
            yield chunk({}, "stop", citations=value["citations"])
        else:
            yield f"data: {json.dumps({'error': {'message': message_of(value), 'type': 'server_error'}})}\n\n"
    yield "data: [DONE]\n\n"
