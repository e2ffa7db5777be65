"""The ``videochat-text`` command line: a thin layer over `VideoChat`.

stdout carries only results; progress, warnings and errors go to stderr. A
`VideoChatError` becomes one ``error:`` line and a non-zero exit (tracebacks only
with ``--debug``).

Start-up time is part of the interface: this module imports only typer, rich's
console and `errors` at the top. Everything else (pydantic models, LangChain, the
model runtimes) is imported inside the command that needs it, so ``--help``, a
cached ``describe`` and a bad-input error answer in a fraction of a second
(``benchmarks/startup.py``; ``tests/test_cli.py`` checks what importing this loads).
"""

from __future__ import annotations

import functools
import logging
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Callable, Optional

import typer
from rich.console import Console

from .errors import QuestionError, VideoChatError

if TYPE_CHECKING:
    from .timeline import Description
    from .videochat import VideoChat

EXIT_PARTIAL = 6
"""Exit code when the description was made but one or more modules failed."""

app = typer.Typer(
    name="videochat-text",
    help="Chat with a video: describe it with perception modules, then ask questions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)
_state = {"debug": False}


class Format(str, Enum):
    text = "text"
    json = "json"
    srt = "srt"
    markdown = "markdown"


ConfigOpt = Annotated[Optional[Path], typer.Option("--config", "-c", help="YAML config file (see examples/config.yaml).")]
ModulesOpt = Annotated[Optional[str], typer.Option("--modules", "-m", help="Comma-separated modules to run, e.g. speech,objects.")]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Describe again even if a cached description exists.")]
VideoArg = Annotated[Path, typer.Argument(help="The video file.", show_default=False)]


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
) -> None:
    _state["debug"] = debug
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _user_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn our errors into one line on stderr and the error's exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except VideoChatError as exc:
            if _state["debug"]:
                raise
            err.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err.print("interrupted")
            raise typer.Exit(130) from None

    return wrapper


def _videochat(config: Optional[Path], modules: Optional[str] = None) -> VideoChat:
    from .videochat import VideoChat

    overrides: dict[str, Any] = {}
    if modules is not None:
        names = [m.strip() for m in modules.split(",") if m.strip()]
        overrides["perception"] = {"modules": names}
    return VideoChat.from_config(config, **overrides)


class _ProgressBars:
    """Progress bars on stderr, one per stage; rich's progress display is only made (and
    imported) once there is progress to show: a cached description shows none."""

    def __init__(self) -> None:
        self._bars: Any = None
        self._tasks: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if self._bars is None:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self._bars = Progress(
                TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=True,
            )
            self._bars.start()
        if stage not in self._tasks:
            self._tasks[stage] = self._bars.add_task(stage, total=total)
        self._bars.update(self._tasks[stage], completed=done, total=total)

    @property
    def shown(self) -> bool:
        """Whether anything was worked on (a cached description shows no progress)."""
        return self._bars is not None

    def close(self) -> None:
        if self._bars is not None:
            self._bars.stop()


def _describe(vc: VideoChat, video: Path, no_cache: bool, *, prepare: bool = False) -> Description:
    """The description of ``video``. ``prepare``: when it was made now, also evaluate the chat
    prompt's description with the local model and keep that state (`VideoChat.prepare`), so the
    first ``ask`` about it evaluates only its question; a cached description was prepared when
    it was made (or is by its first question)."""
    progress = _ProgressBars()
    try:
        description = vc.describe(video, use_cache=False if no_cache else None, progress=progress)
    finally:
        progress.close()
    for failure in description.failures:
        err.print(f"[yellow]warning:[/] module {failure.module} failed: {failure.error}", highlight=False)
    if prepare and progress.shown and vc.settings.chat.provider == "local":
        _prepare(vc, description)
    return description


def _prepare(vc: VideoChat, description: Description) -> None:
    from .errors import failure_message

    try:
        with err.status("preparing the chat model for questions about it"):
            vc.prepare(description)
    except Exception as exc:  # an aid to speed: the description is made, and answering works without it
        err.print(f"[yellow]warning:[/] the first question about it will be slower: {failure_message(exc)}",
                  highlight=False)


@app.command()
@_user_errors
def describe(
    video: VideoArg,
    config: ConfigOpt = None,
    modules: ModulesOpt = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    no_cache: NoCacheOpt = False,
    annotate: Annotated[Optional[Path], typer.Option(
        "--annotate", help="Also write the frames with object (and ocr text) boxes drawn, as JPEGs, into this folder.")] = None,
) -> None:
    """Describe VIDEO as timestamped events (speech, objects, …) and a summary; with the local chat
    model, also evaluate the description for it now, so the first question about it is fast."""
    vc = _videochat(config, modules)
    description = _describe(vc, video, no_cache, prepare=True)
    if annotate:
        _annotate(vc, video, description, annotate)
    rendered = {
        Format.text: description.to_text,
        Format.json: description.to_json,
        Format.srt: description.to_srt,
        Format.markdown: description.to_markdown,
    }[format]()
    if output:
        output.write_text(rendered if rendered.endswith("\n") else rendered + "\n", encoding="utf-8")
        err.print(f"wrote {output}")
    else:
        print(rendered)
    if description.failures:
        raise typer.Exit(EXIT_PARTIAL)


def _annotate(vc, video: Path, description: Description, folder: Path) -> None:
    from .annotate import annotate

    written = annotate(video, description, folder, decoder=vc.settings.perception.decoder,
                       max_side=vc.settings.perception.max_side)
    if written:
        err.print(f"wrote {len(written)} annotated frames to {folder}")
    else:
        err.print("[yellow]warning:[/] no object boxes to draw (the objects module found nothing or did not run)",
                  highlight=False)


def _show_prompt(session, question: str, counter) -> None:
    messages = session.messages(question)
    total = 0
    for message in messages:
        tokens = counter(str(message.content))
        total += tokens
        err.rule(f"{message.type} ({tokens} tokens)")
        err.print(str(message.content), markup=False, highlight=False)
    err.rule(f"total {total} tokens (before the chat template's own markup)")


def _stream_answer(session, question: str) -> None:
    from .live.asking import sources_with_wall_clock

    stream = session.stream(question)
    for chunk in stream:
        print(chunk, end="", flush=True)
    print()
    if stream.answer.citations:  # a live stream's moments with their wall-clock times
        print(sources_with_wall_clock(stream.answer, session.description))


LibraryVideoOpt = Annotated[Optional[Path], typer.Option(
    "--library", "-l", help="VIDEO is a video of this library (its id, from `library list`): its stored "
                            "description is used; a live stream's as described so far, cut to the window the "
                            "question names (\"the last 5 minutes\", \"just now\", \"since 10:15\").")]


def _session(vc: VideoChat, video: Path, library: Optional[Path], no_cache: bool):
    """A conversation about VIDEO: a file described now (or from the cache), or a library's video."""
    if library is None:
        return vc.chat(_describe(vc, video, no_cache))
    from .library import Library
    from .library.across import library_answerer
    from .library.cli import library_file
    from .live.asking import session_for

    lib = Library(vc.settings, path=library_file(library), query_threads=1)
    return session_for(lib, str(video), library_answerer(vc.settings, vc.chat_model))


class AnswerFormat(str, Enum):
    text = "text"
    json = "json"


@app.command()
@_user_errors
def ask(
    video: VideoArg,
    question: Annotated[str, typer.Argument(help="The question.", show_default=False)],
    config: ConfigOpt = None,
    modules: ModulesOpt = None,
    format: Annotated[AnswerFormat, typer.Option(
        "--format", "-f", help="text: the answer, then its sources; json: one object {answer, citations}.")
    ] = AnswerFormat.text,
    show_prompt: Annotated[bool, typer.Option("--show-prompt", help="Print the exact prompt (to stderr) with token counts.")] = False,
    no_cache: NoCacheOpt = False,
    library: LibraryVideoOpt = None,
) -> None:
    """Answer one QUESTION about VIDEO (described first unless cached), citing the moments it rests on."""
    import json

    vc = _videochat(config, modules)
    vc.answerer.check_question(question)  # a question that cannot be asked fails before describing
    session = _session(vc, video, library, no_cache)
    if show_prompt:
        _show_prompt(session, question, vc.answerer.count_tokens())
    if format is AnswerFormat.json:
        answer = session.ask(question).to_json_dict()
        started_at = session.description.video.started_at
        print(json.dumps(answer if started_at is None else {**answer, "started_at": started_at}, ensure_ascii=False))
    else:
        _stream_answer(session, question)


@app.command()
@_user_errors
def chat(
    video: VideoArg,
    config: ConfigOpt = None,
    modules: ModulesOpt = None,
    no_cache: NoCacheOpt = False,
    library: LibraryVideoOpt = None,
) -> None:
    """Talk about VIDEO interactively; the conversation is remembered. Ctrl-D ends it."""
    vc = _videochat(config, modules)
    session = _session(vc, video, library, no_cache)
    header = session.description_for("").header() if hasattr(session, "description_for") else session.description.header()
    err.print(f"{header}\nAsk away (chat model: {vc.chat_model_name()}); Ctrl-D or 'exit' to quit.")
    while True:
        try:
            question = input("you> ")
        except EOFError:
            print()
            break
        if question.strip().lower() in {"exit", "quit"}:
            break
        if not question.strip():
            continue
        try:
            vc.answerer.check_question(question)
        except QuestionError as exc:  # a question that cannot be asked ends nothing: ask another
            err.print(f"error: {exc}")
            continue
        print("video> ", end="", flush=True)
        _stream_answer(session, question)


@app.command("modules")
@_user_errors
def list_modules(config: ConfigOpt = None) -> None:
    """List the perception modules, their backends, and whether their weights are available."""
    from rich.table import Table

    vc = _videochat(config)
    enabled = set(vc.settings.perception.modules)
    table = Table("module", "enabled", "backend", "weights")
    for status in vc.module_statuses():
        table.add_row(status.name, "yes" if status.name in enabled else "", status.backend, status.weights)
    out.print(table)
    out.print(f"chat model: {vc.chat_model_name()}")


@app.command()
@_user_errors
def serve(
    config: ConfigOpt = None,
    host: Annotated[Optional[str], typer.Option(help="Address to bind (default serve.host, 127.0.0.1).")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port (default serve.port, 8000).")] = None,
    library: Annotated[Optional[Path], typer.Option(
        "--library", "-l", help="The library the server is backed by: a folder (library.sqlite inside) or an "
                                ".sqlite file (default: serve.library, else library.path, else the one "
                                "`videochat-text library` uses).")] = None,
    ray: Annotated[Optional[str], typer.Option(
        "--ray", help="Describe uploads on Ray: 'local', or a cluster's HOST:PORT (default: library.ray; "
                      "without it, in worker processes here).")] = None,
) -> None:
    """Serve the web app and HTTP API over a library: upload videos, watch them beside their
    timeline, search and chat with one or all of them."""
    from .config import load_settings

    overrides: dict[str, Any] = {}
    if library is not None:
        from .library.cli import library_file

        overrides["serve"] = {"library": str(library_file(library))}
    if ray is not None:
        overrides["library"] = {"ray": ray}
    settings = load_settings(config, **overrides)
    try:
        from .serve import run
    except ImportError as exc:
        raise VideoChatError(f"serve needs FastAPI and uvicorn ({exc.name} is missing): "
                             "pip install 'videochat-text[serve]'") from None
    run(settings, host, port)

from .library.cli import LibraryOpt, build_library_app, library_file  # noqa: E402  (after _user_errors, which it is given)

app.add_typer(build_library_app(_user_errors, err), name="library")

from .live.cli import watch_command  # noqa: E402

app.command("watch")(_user_errors(watch_command(err)))


@app.command()
@_user_errors
def mcp(config: ConfigOpt = None, library: LibraryOpt = None) -> None:
    """Serve the videos to an AI assistant over MCP (stdio): list, describe, ask, search, get frames.

    The assistant starts this command itself; stdout carries only MCP messages.
    """
    from .config import load_settings

    settings = load_settings(config)
    try:
        from .integrations.mcp_server import run_stdio
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("mcp"):
            raise
        raise VideoChatError("mcp needs the MCP SDK: pip install 'videochat-text[mcp]'") from None
    run_stdio(settings, library_path=library_file(library))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
