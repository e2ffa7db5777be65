"""The MCP server: videos as tools for AI assistants (the official ``mcp`` SDK, pip extra ``mcp``).

Five tools, whose names and arguments assistants' configs rely on: ``list_videos()``,
``describe_video(video)``, ``ask_video(video, question)``, ``search_videos(query)``,
``get_frame(video, seconds)``. Each is a `VideoTools` method run in a worker thread; the
type hints and docstrings below are the schema an assistant reads. A user error (no such
file, an empty question, a query without words) comes back as a tool error carrying the
CLI's one-line message; the server keeps serving. Describing reports MCP progress.

Two transports: stdio (``videochat-text mcp``, for a local assistant that starts it) and
streamable HTTP at ``/mcp`` inside ``videochat-text serve``, behind the server's token.
"""

import functools
import time
from contextlib import asynccontextmanager
from typing import Annotated, Any, Callable

import anyio
import anyio.from_thread
import anyio.lowlevel
import anyio.to_thread
from mcp.server.mcpserver import Context, Image, MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import CallToolResult, TextContent
from pydantic import Field

from .. import __version__
from ..config import Settings
from ..errors import VideoChatError
from .tools import LibraryVideo, Moment, VideoAnswer, VideoTools

PROGRESS_EVERY_S = 0.5
"""Progress notifications at most this often within one stage (a new stage is always told)."""

INSTRUCTIONS = """\
Videos described as timestamped text by perception modules (speech, objects, on-screen text, …).
A `video` argument is a file path or a library id from list_videos. Answers say only what a module
reported and cite the moments (seconds from the start) they rest on; get_frame shows a moment."""

VideoArg = Annotated[str, Field(description="A video file path, or a library id from list_videos.")]


class _Progress:
    """A describe's progress callback (called in the worker thread) as MCP progress notifications."""

    def __init__(self, ctx: Context, token: Any):
        self._ctx = ctx
        self._token = token
        self._count = 0
        self._stage = ""
        self._sent_at = 0.0

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if stage == self._stage and now - self._sent_at < PROGRESS_EVERY_S and done != total:
            return
        self._stage, self._sent_at = stage, now
        self._count += 1  # MCP progress must grow with every notification, across stages
        message = f"{stage} {done}/{total}" if total else f"{stage} {done}"
        anyio.from_thread.run(self._ctx.report_progress, self._count, None, message, token=self._token)


async def _run(operation: Callable[..., Any], *args: Any, ctx: Context | None = None,
               then: Callable[[Any], Any] = lambda value: value) -> Any:
    """``then(operation(*args))``, the operation run in a worker thread (describing and answering
    block for seconds). Our errors come back as a tool error whose text is the CLI's one-line
    message as it is (a `ToolError` would get the SDK's "Error executing tool …" in front)."""
    call = functools.partial(operation, *args)
    if ctx is not None:
        call = functools.partial(call, progress=_Progress(ctx, anyio.lowlevel.current_token()))
    try:
        value = await anyio.to_thread.run_sync(call)
    except VideoChatError as exc:
        return CallToolResult(content=[TextContent(type="text", text=str(exc))], is_error=True)
    return then(value)


def build_server(tools: VideoTools) -> MCPServer:
    """The MCP server whose tools call ``tools``."""
    # log_level: the SDK calls logging.basicConfig with it (a no-op when the CLI configured logging).
    server = MCPServer("videochat-text", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING")

    @server.tool()
    async def list_videos() -> list[LibraryVideo]:
        """The videos in the library: id, name, path, duration, summary, and modules that failed on them."""
        return await _run(tools.list_videos)

    @server.tool()
    async def describe_video(video: VideoArg, ctx: Context) -> str:
        """Describe a video as timestamped events (what was said, seen, written on screen) and a summary.

        A file not described yet is described now (this can take a while; progress is reported)
        and added to the library. The first line gives its library id.
        """
        return await _run(tools.describe, video, ctx=ctx, then=lambda described: described.text())

    @server.tool()
    async def ask_video(
        video: VideoArg,
        question: Annotated[str, Field(description="The question, in any language.")],
        ctx: Context,
    ) -> VideoAnswer:
        """Answer a question about one video from its description, with citations: the moments
        (seconds from the start, the module that reported them) the answer rests on."""
        return await _run(tools.ask, video, question, ctx=ctx)

    @server.tool()
    async def search_videos(
        query: Annotated[str, Field(description="Words or a phrase; matched by words and by meaning.")],
    ) -> list[Moment]:
        """Search every video in the library: the best-matching moments, best first, each with its
        video, time and the module that reported it."""
        return await _run(tools.search, query)

    @server.tool()
    async def get_frame(
        video: VideoArg,
        seconds: Annotated[float, Field(description="Seconds from the start of the video.", ge=0)],
        ctx: Context,
    ) -> Image:
        """The picture at a moment of a video, with the boxes of the objects (and on-screen text)
        found there drawn and labelled: to check what an answer or a search hit says."""
        return await _run(tools.frame, video, seconds, ctx=ctx, then=lambda jpeg: Image(data=jpeg, format="jpeg"))

    return server


def run_stdio(settings: Settings, *, library_path: str | None = None) -> None:
    """Serve the tools over stdin/stdout until the client closes them (``videochat-text mcp``)."""
    tools = VideoTools(settings, library_path=library_path)
    try:
        build_server(tools).run("stdio")
    finally:
        tools.close()


class _Guarded:
    """An ASGI app behind ``check(request)``, which raises an HTTPException to refuse (the
    server's token check); refused with the server's JSON error body."""

    def __init__(self, app: Any, check: Callable[[Any], None]):
        self.app = app
        self.check = check

    async def __call__(self, scope, receive, send) -> None:
        from starlette.exceptions import HTTPException
        from starlette.requests import Request
        from starlette.responses import JSONResponse

        try:
            self.check(Request(scope, receive))
        except HTTPException as exc:
            response = JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def mount(app: Any, settings: Settings, videochat: Any, *, check: Callable[[Any], None] | None = None,
          library: Any = None, path: str = "/mcp") -> None:
    """Serve the tools over streamable HTTP at ``path`` of ``app`` (a Starlette or FastAPI app).

    Args:
        videochat: the server's `VideoChat` (its models are loaded once, for both).
        check: called with each request before MCP sees it; raises an HTTPException to refuse.
        library: the server's `Library`; default: the one ``settings`` names.
    """
    tools = VideoTools(settings, videochat=videochat, library=library,
                       allow_paths=settings.serve.token is None)
    server = build_server(tools)
    if settings.serve.token is None:
        # Loopback only (serve refuses anything else without a token): a web page that rebinds its
        # DNS name to 127.0.0.1 must not reach the tools, so only loopback Host/Origin headers pass.
        security = TransportSecuritySettings(
            allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"],
            allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"])
    else:  # a page cannot know the token, and the server may be reached by any name
        security = TransportSecuritySettings(enable_dns_rebinding_protection=False)
    http = server.streamable_http_app(streamable_http_path=path, transport_security=security)
    transport = http.routes[0].endpoint  # the SDK's ASGI app; its Starlette app around it is not used
    endpoint = transport if check is None else _Guarded(transport, check)
    app.add_route(path, endpoint, include_in_schema=False)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(running: Any):
        async with server.session_manager.run():  # MCP sessions live in its task group
            async with inner(running) as state:
                yield state
        tools.close()

    app.router.lifespan_context = lifespan
