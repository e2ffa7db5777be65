"""OpenAI-compatible endpoints: any OpenAI client or chat front end can talk to a video.

``GET /v1/models`` lists the described videos as models ``video:<id>``;
``POST /v1/chat/completions`` with ``model: "video:<id>"`` answers the last user
message about that video, the earlier messages being the conversation (stateless,
as OpenAI's API is). ``stream: true`` sends ``chat.completion.chunk`` events and
``data: [DONE]``. Extra field: ``citations`` (the moments the answer rests on, as in
``ask --format json``) on the completion and on the last chunk.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, AsyncIterator, Literal

from fastapi import APIRouter, HTTPException
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from pydantic import BaseModel, ConfigDict

from ..prompt import defang
from .errors import message_of
from .server import Server
from .sessions import Conversation

MODEL_PREFIX = "video:"


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

    def video_id_of(model: str) -> str:
        if not model.startswith(MODEL_PREFIX):
            raise HTTPException(404, f"model {model!r} is not a video: use 'video:<id>' (GET /v1/models lists them)")
        return model[len(MODEL_PREFIX):]

    @router.get("/models")
    def models() -> dict[str, Any]:
        """Described videos as models ``video:<id>``."""
        data = [{"id": MODEL_PREFIX + job.video.id, "object": "model", "created": int(job.video.uploaded),
                 "owned_by": "videochat-text", "name": job.video.name}
                for job in server.queue.jobs() if job.status == "done"]
        return {"object": "list", "data": data}

    @router.post("/chat/completions")
    async def completions(body: ChatCompletionRequest):
        """OpenAI's chat completion about video ``model``; extra field ``citations``."""
        history, question = _history(body.messages)
        video_id = video_id_of(body.model)
        session = await run_in_threadpool(server.new_session, video_id)
        session.history = history[-2 * server.sessions.turns:]
        conversation = Conversation(id="", video_id=video_id, session=session)
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        created = int(time.time())
        if not body.stream:
            answer = await run_in_threadpool(server.answers.ask, conversation, question)
            return {"id": completion_id, "object": "chat.completion", "created": created, "model": body.model,
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": answer["answer"]}}],
                    "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                    "citations": answer["citations"]}

        def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
            payload = {"id": completion_id, "object": "chat.completion.chunk", "created": created,
                       "model": body.model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                       **extra}
            return f"data: {json.dumps(payload)}\n\n"

        async def events() -> AsyncIterator[str]:
            yield chunk({"role": "assistant", "content": ""})
            async for kind, value in server.answers.stream(conversation, question):
                if kind == "chunk":
                    yield chunk({"content": value})
                elif kind == "done":
                    yield chunk({}, "stop", citations=value)
                else:
                    error = {"error": {"message": message_of(value), "type": "server_error"}}
                    yield f"data: {json.dumps(error)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    return router
