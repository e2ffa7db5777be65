"""The MCP server through the SDK's own client (`mcp.ClientSession`): over stdio, as an assistant
starts ``videochat-text mcp``, and over streamable HTTP at ``/mcp`` of a real ``serve`` on 127.0.0.1.

The same walk runs over both: the five tools are listed, a clip is described (with progress),
found in the library, asked about (with citations), searched and looked at (a frame with its
boxes); bad input comes back as tool errors with the CLI's message and the server serves on.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from devkit.serving import EchoChatModel, LiveServer
from videochat_text import VideoChat
from videochat_text.annotate import frame_jpeg

ROOT = Path(__file__).resolve().parents[1]
TOOLS = {"list_videos": [], "describe_video": ["video"], "ask_video": ["video", "question"],
         "search_videos": ["query"], "get_frame": ["video", "seconds"]}


def _config(tmp: Path, **sections: Any) -> dict:
    """The default modules (speech and objects: boxes to draw), the quick summary, private files."""
    return {"cache": {"dir": str(tmp / "cache")}, "summary": {"backend": "merge"},
            "library": {"path": str(tmp / "library.sqlite")}, **sections}


def _data(result) -> Any:
    assert not result.is_error, result.content[0].text
    return result.structured_content.get("result", result.structured_content)


def _error(result) -> str:
    assert result.is_error, result
    return result.content[0].text


async def _walk(session: ClientSession, clip: Path, config: dict) -> dict:
    """Every tool once, and the errors; returns the answer for the caller to judge."""
    await session.initialize()
    listed = {t.name: t for t in (await session.list_tools()).tools}
    assert {name: sorted(t.input_schema.get("required", [])) for name, t in listed.items()} == \
        {name: sorted(args) for name, args in TOOLS.items()}
    assert "library id" in listed["ask_video"].input_schema["properties"]["video"]["description"]
    assert _data(await session.call_tool("list_videos", {})) == []

    progress: list[tuple[float, str]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, message or ""))

    text = (await session.call_tool("describe_video", {"video": str(clip)}, progress_callback=on_progress)).content[0].text
    video_id = hashlib.sha256(clip.read_bytes()).hexdigest()[:16]
    assert text.startswith(f"Library id {video_id} (") and "whiskers" in text.lower() and "cat" in text
    assert [p for p, _ in progress] == sorted({p for p, _ in progress}) and len(progress) >= 3
    assert any(m.startswith("module speech") for _, m in progress)

    (listed_video,) = _data(await session.call_tool("list_videos", {}))
    assert listed_video["video"] == {"id": video_id, "name": clip.name, "path": str(clip)}
    assert listed_video["status"] == "done" and listed_video["entries"] > 0

    answer = _data(await session.call_tool("ask_video", {"video": video_id, "question": "What is the cat's name?"}))
    assert answer["video"]["id"] == video_id

    hits = _data(await session.call_tool("search_videos", {"query": "the price of the coffee"}))
    assert "three dollars" in hits[0]["text"] and hits[0]["video"]["id"] == video_id and hits[0]["event_ids"]

    image = (await session.call_tool("get_frame", {"video": video_id, "seconds": 5.0})).content[0]
    description = VideoChat(config).describe(clip)  # cached: the one the server made
    assert image.type == "image" and image.mime_type == "image/jpeg"
    assert base64.b64decode(image.data) == frame_jpeg(clip, description, 5.0)  # the cat's frame, its box drawn

    missing = _error(await session.call_tool("describe_video", {"video": str(clip.parent / "no such.mp4")}))
    assert missing.startswith(f"{clip.parent / 'no such.mp4'}: no such file, and no video in the library")
    assert _error(await session.call_tool("get_frame", {"video": video_id, "seconds": 99})) == \
        f"{clip.name}: no frame at 99 s (the video is 10 s long)"
    assert _error(await session.call_tool("ask_video", {"video": video_id, "question": " "})) == "the question is empty"
    assert _error(await session.call_tool("search_videos", {"query": "?!"})) == "the search query has no words"
    assert len(_data(await session.call_tool("list_videos", {}))) == 1  # still serving
    return answer


def _cites_the_cat(answer: dict) -> None:
    assert "whiskers" in answer["answer"].lower()
    cited = answer["citations"][0]
    assert cited["module"] == "speech" and 4 <= cited["start"] <= 5 and "whiskers" in cited["text"].lower()
    assert cited["event_ids"] == ["speech-2"]


@pytest.mark.slow
def test_stdio_as_an_assistant_starts_it(tmp_path, speech_clip):
    """``videochat-text mcp`` in its own process, answering with the embedded local chat model."""
    config = _config(tmp_path)
    config_file = tmp_path / "config.yaml"
    config_file.write_text(json.dumps(config))
    server = StdioServerParameters(command=sys.executable, args=["-m", "videochat_text", "mcp", "--config",
                                                                 str(config_file)], cwd=str(ROOT))

    async def main() -> dict:
        with open(tmp_path / "stderr.txt", "w") as errlog:
            async with stdio_client(server, errlog=errlog) as (read, write), ClientSession(read, write) as session:
                return await _walk(session, speech_clip, config)

    _cites_the_cat(anyio.run(main))


@pytest.mark.slow
def test_http_at_mcp_in_a_real_serve(tmp_path, speech_clip):
    """Streamable HTTP on the served app; the chat model echoes a fixed answer (the transport and
    the citations are under test here; the stdio test answers with the real model)."""
    from videochat_text.serve import create_app

    config = _config(tmp_path)
    videochat = VideoChat(config, chat_model=EchoChatModel(reply="The cat is called Whiskers."))

    async def main(url: str) -> dict:
        async with streamable_http_client(f"{url}/mcp") as (read, write), ClientSession(read, write) as session:
            return await _walk(session, speech_clip, config)

    with LiveServer(create_app(videochat=videochat)) as server:
        _cites_the_cat(anyio.run(main, server.url))


def test_http_mcp_is_behind_the_token_and_takes_library_ids_only(tmp_path, speech_clip):
    """With ``serve.token`` the server may be reached from other machines: no token, no tools;
    with it, a path on the server's disk is refused (library ids only)."""
    import httpx2

    from videochat_text.serve import create_app

    app = create_app(_config(tmp_path, serve={"token": "s3cret-token"}))
    with LiveServer(app) as server:
        refused = httpx.post(f"{server.url}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        assert refused.status_code == 401 and "token" in refused.json()["error"]

        async def main() -> str:
            client = httpx2.AsyncClient(headers={"Authorization": "Bearer s3cret-token"}, timeout=60)
            async with client, streamable_http_client(f"{server.url}/mcp", http_client=client) as (read, write), \
                    ClientSession(read, write) as session:
                await session.initialize()
                assert len((await session.list_tools()).tools) == len(TOOLS)
                return _error(await session.call_tool("describe_video", {"video": str(speech_clip)}))

        assert "this server takes library ids, not paths on its disk" in anyio.run(main)


def test_cli_mcp_with_a_bad_config_says_so_in_one_line(tmp_path):
    from typer.testing import CliRunner

    from videochat_text.cli import app

    missing = tmp_path / "missing.yaml"
    result = CliRunner().invoke(app, ["mcp", "--config", str(missing)])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and str(missing) in result.stderr
