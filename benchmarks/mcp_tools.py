"""What MCP costs on top of the Python API: tool calls over stdio and streamable HTTP.

Usage:
    python benchmarks/mcp_tools.py [VIDEO] [--calls N]

VIDEO (default: the 10 s ``examples/demo.mp4``) is described once by the default modules into a
private cache and library. Then, for the Python API (`VideoTools` in this process), stdio
(``videochat-text mcp`` as an assistant starts it) and HTTP (``/mcp`` of ``serve`` in its own
process), each tool that needs no chat model is called N times: ``list_videos``,
``search_videos`` (after one call that loads the embedding model), ``describe_video`` by library
id (the stored description), ``get_frame``. Printed: median and p95 milliseconds per call.
The difference between a transport's row and the Python API's is the protocol's cost.
Answering (``ask_video``) is the chat model's time: ``benchmarks/qa.py`` measures it.
Numbers are for this machine at this moment; on a shared machine run it twice.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Awaitable, Callable

import anyio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # devkit/


def _row(name: str, times_s: list[float]) -> str:
    ms = sorted(t * 1000 for t in times_s)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"  {name:<16} median {statistics.median(ms):8.1f} ms   p95 {p95:8.1f} ms   ({len(ms)} calls)"


async def _timed(call: Callable[[], Awaitable[Any]], n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        result = await call()
        times.append(time.perf_counter() - started)
        if getattr(result, "is_error", False):
            raise SystemExit(f"tool error: {result.content[0].text}")
    return times


async def _walk(session, video_id: str, calls: int) -> None:
    await session.initialize()
    await session.call_tool("search_videos", {"query": "warm up"})  # loads the embedding model once
    rows = {
        "list_videos": lambda: session.call_tool("list_videos", {}),
        "search_videos": lambda: session.call_tool("search_videos", {"query": "what is the cat called"}),
        "describe_video": lambda: session.call_tool("describe_video", {"video": video_id}),
        "get_frame": lambda: session.call_tool("get_frame", {"video": video_id, "seconds": 5.0}),
    }
    for name, call in rows.items():
        print(_row(name, await _timed(call, calls)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path, default=ROOT / "examples" / "demo.mp4")
    parser.add_argument("--calls", type=int, default=30)
    args = parser.parse_args()
    from mcp import ClientSession, StdioServerParameters, stdio_client
    from mcp.client.streamable_http import streamable_http_client

    from devkit.serving import ServerProcess
    from videochat_text.config import load_settings
    from videochat_text.integrations.tools import VideoTools

    tmp = Path(tempfile.mkdtemp(prefix="bench-mcp-"))
    config = {"cache": {"dir": str(tmp / "cache")}, "summary": {"backend": "merge"},
              "library": {"path": str(tmp / "library.sqlite")}}
    tools = VideoTools(load_settings(config))
    started = time.perf_counter()
    video_id = tools.describe(str(args.video.resolve())).video.id
    print(f"described {args.video.name} (id {video_id}) in {time.perf_counter() - started:.1f} s, models loading included")

    print("Python API (VideoTools, no protocol):")
    tools.search("warm up")
    for name, call in {"list_videos": tools.list_videos, "search_videos": lambda: tools.search("what is the cat called"),
                       "describe_video": lambda: tools.describe(video_id),
                       "get_frame": lambda: tools.frame(video_id, 5.0)}.items():
        times = []
        for _ in range(args.calls):
            t = time.perf_counter()
            call()
            times.append(time.perf_counter() - t)
        print(_row(name, times))

    config_file = tmp / "config.yaml"
    config_file.write_text(json.dumps(config))
    server = StdioServerParameters(command=sys.executable, args=["-m", "videochat_text", "mcp", "--config",
                                                                 str(config_file)], cwd=str(ROOT))

    async def over_stdio() -> None:
        async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
            await _walk(session, video_id, args.calls)

    print("stdio (videochat-text mcp):")
    anyio.run(over_stdio)

    with ServerProcess(config) as served:
        async def over_http() -> None:
            async with streamable_http_client(f"{served.url}/mcp") as (read, write), \
                    ClientSession(read, write) as session:
                await _walk(session, video_id, args.calls)

        print("streamable HTTP (/mcp of serve):")
        anyio.run(over_http)


if __name__ == "__main__":
    main()
