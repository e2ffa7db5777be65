"""``videochat-text library …``: add, list, remove, prune, search and ask across many videos.

A typer sub-app built by `build_library_app`, given the main CLI's error handling and
stderr console (so this module does not import the main CLI back). Heavy libraries
(ray, torch, sentence-transformers) load only inside the commands that need them.
"""

from __future__ import annotations

import json
import time
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Callable, List, Optional

import typer
from rich.console import Console

EXIT_FAILED = 6
"""Some videos could not be described (the main CLI's partial-result code); the rest are kept."""
EXIT_INTERRUPTED = 130


class Format(str, Enum):
    text = "text"
    json = "json"


ConfigOpt = Annotated[Optional[Path], typer.Option("--config", "-c", help="YAML config file (see examples/config.yaml).")]
LibraryOpt = Annotated[Optional[Path], typer.Option(
    "--library", "-l", help="The library: a folder (library.sqlite inside) or an .sqlite file. "
                            "Default: library.path in the config, else in the cache folder.")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def _library_file(where: Optional[Path]) -> Optional[Path]:
    if where is None:
        return None
    where = where.expanduser()
    return where / "library.sqlite" if where.is_dir() or not where.suffix else where


def _open(config: Optional[Path], library: Optional[Path], modules: Optional[str] = None):
    from .library import Library

    overrides: dict[str, Any] = {}
    if modules is not None:
        overrides["perception"] = {"modules": [m.strip() for m in modules.split(",") if m.strip()]}
    from ..config import load_settings

    return Library(load_settings(config, **overrides), path=_library_file(library), query_threads=1)


def build_library_app(user_errors: Callable[[Callable[..., Any]], Callable[..., Any]], err: Console) -> typer.Typer:
    """The ``library`` command group; ``user_errors`` turns our errors into one line and an exit code."""
    app = typer.Typer(help="Many videos: describe them in parallel, then search and ask across all of them.",
                      no_args_is_help=True)
    commands = _Commands(err)
    for name, command in (("add", commands.add), ("list", commands.list_videos), ("remove", commands.remove),
                          ("prune", commands.prune), ("search", commands.search), ("ask", commands.ask)):
        app.command(name)(user_errors(command))
    return app


class _Commands:
    """The commands, sharing the stderr console (progress, counts, failures: never results)."""

    def __init__(self, err: Console):
        self.err = err

    def add(
        self,
        paths: Annotated[List[str], typer.Argument(help="Video or audio files, folders (searched recursively), globs.",
                                                   show_default=False)],
        library: LibraryOpt = None,
        config: ConfigOpt = None,
        modules: Annotated[Optional[str], typer.Option(
            "--modules", "-m", help="Comma-separated modules to run, e.g. speech,objects.")] = None,
        workers: Annotated[Optional[int], typer.Option(
            "--workers", "-w", min=1, help="Worker processes on this machine (default: library.workers, "
                                           "else one per core, as memory allows).")] = None,
        ray: Annotated[Optional[str], typer.Option(
            "--ray", help="Describe on Ray: 'local' starts one on this machine; HOST:PORT (or 'auto') joins a "
                          "cluster started with `ray start --head` (default: library.ray).")] = None,
    ) -> None:
        """Describe videos (cached descriptions are reused) and store them in the library.

        Unchanged files are skipped, changed ones and failed ones described again. Ctrl-C keeps
        the videos already done: run the same command again to do the rest.
        """
        lib = _open(config, library, modules)
        started = time.perf_counter()
        try:
            report = _add_with_progress(lib, paths, workers, True if ray == "local" else ray, self.err)
        except KeyboardInterrupt:
            videos, _ = lib.store.count()
            self.err.print(f"interrupted: the library keeps the videos already done ({videos} in it); "
                           "run the same command again to do the rest")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        self.err.print(f"{len(report.added)} described, {len(report.unchanged)} unchanged, "
                       f"{len(report.failed)} failed in {time.perf_counter() - started:.1f} s → {lib.path}")
        for path, error in report.failed:
            self.err.print(f"[bold red]failed:[/] {path}: {error}", markup=True, highlight=False)
        if report.failed:
            raise typer.Exit(EXIT_FAILED)

    def list_videos(self, library: LibraryOpt = None, config: ConfigOpt = None, format: FormatOpt = Format.text,
                    name: Annotated[Optional[str], typer.Option(
                        "--name", help="Only videos whose name contains this (any case).")] = None) -> None:
        """The videos in the library: id, status, duration, entries, path (and why describing failed)."""
        from ..timeline import format_timestamp

        records = _open(config, library).list(name=name)
        if format is Format.json:
            print(json.dumps([_record_json(r) for r in records], indent=2, ensure_ascii=False))
            return
        for r in records:
            note = f"  ({len(r.failures)} module(s) failed)" if r.failures else ""
            note += f"  error: {r.error}" if r.status == "failed" and r.error else ""
            print(f"{r.id}\t{r.status}\t{format_timestamp(r.duration)}\t{r.entries} entries\t{r.path}{note}")
        self.err.print(f"{len(records)} videos")

    def remove(
        self,
        videos: Annotated[List[str], typer.Argument(help="Videos to remove: ids, files, or folders.",
                                                    show_default=False)],
        library: LibraryOpt = None,
        config: ConfigOpt = None,
    ) -> None:
        """Remove videos from the library (your files are not touched; a server's uploads are deleted)."""
        for record in _open(config, library).remove(videos):
            print(f"removed {record.id} {record.path}")

    def prune(self, library: LibraryOpt = None, config: ConfigOpt = None) -> None:
        """Remove the videos whose files no longer exist."""
        removed = _open(config, library).prune()
        for record in removed:
            print(f"removed {record.id} {record.path}")
        self.err.print(f"{len(removed)} removed")

    def search(
        self,
        query: Annotated[str, typer.Argument(help="What to look for.", show_default=False)],
        top: Annotated[Optional[int], typer.Option("--top", "-k", min=1, help="How many moments (default: library.top_k).")] = None,
        library: LibraryOpt = None,
        config: ConfigOpt = None,
        format: FormatOpt = Format.text,
    ) -> None:
        """The best-matching moments across all videos (full text and meaning), best first."""
        from ..timeline import format_timestamp

        moments = _open(config, library).search(query, top_k=top)
        if format is Format.json:
            print(json.dumps([m.to_json_dict() for m in moments], indent=2, ensure_ascii=False))
            return
        for m in moments:
            print(f"{m.name} ({m.video}) [{format_timestamp(m.start)}–{format_timestamp(m.end)}] {m.module}: {m.text}")
        if not moments:
            self.err.print("nothing found")

    def ask(
        self,
        question: Annotated[str, typer.Argument(help="The question.", show_default=False)],
        library: LibraryOpt = None,
        config: ConfigOpt = None,
        format: FormatOpt = Format.text,
    ) -> None:
        """Answer QUESTION from the best moments of all videos, citing video and time."""
        from .across import answer_json

        session = _open(config, library).chat()
        answer = session.ask(question)
        names = session.names(answer)
        if format is Format.json:
            print(json.dumps(answer_json(answer, names), indent=2, ensure_ascii=False))
            return
        print(answer.text)
        if answer.citations:  # named by the video's name, as the answer names it
            named = [c.model_copy(update={"video": names.get(c.video or "", c.video)}) for c in answer.citations]
            print(answer.model_copy(update={"citations": named}).sources_text())


def _record_json(r) -> dict[str, Any]:
    return {"id": r.id, "name": r.name, "video": r.path, "kind": r.kind, "status": r.status, "error": r.error,
            "duration": r.duration, "entries": r.entries, "sha256": r.sha256, "failures": r.failures}


def _add_with_progress(lib, paths: list[str], workers: Optional[int], ray: Any, err: Console):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), TextColumn("{task.fields[current]}"), console=err, transient=True) as bar:
        task = bar.add_task("videos", total=None, current="hashing files")

        def progress(done: int, total: int, current: str) -> None:
            bar.update(task, completed=done, total=total, current=Path(current).name if current else "")

        return lib.add(paths, workers=workers, ray=ray, progress=progress)
