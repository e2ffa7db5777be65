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

    return Library(load_settings(config, **overrides), path=_library_file(library))


def build_library_app(user_errors: Callable[[Callable[..., Any]], Callable[..., Any]], err: Console) -> typer.Typer:
    """The ``library`` command group; ``user_errors`` turns our errors into one line and an exit code."""
    app = typer.Typer(help="Many videos: describe them in parallel, then search and ask across all of them.",
                      no_args_is_help=True)

    @app.command()
    @user_errors
    def add(
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
                          "cluster started with `ray start --head`.")] = None,
    ) -> None:
        """Describe videos (cached descriptions are reused) and store them in the library.

        Unchanged files are skipped, changed ones described again. Ctrl-C keeps the videos
        already done: run the same command again to do the rest.
        """
        lib = _open(config, library, modules)
        started = time.perf_counter()
        report = None
        try:
            report = _add_with_progress(lib, paths, workers, True if ray == "local" else ray, err)
        except KeyboardInterrupt:
            videos, _ = lib.store.count()
            err.print(f"interrupted: the library keeps the videos already done ({videos} in it); "
                      "run the same command again to do the rest")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        err.print(f"{len(report.added)} described, {len(report.unchanged)} unchanged, "
                  f"{len(report.failed)} failed in {time.perf_counter() - started:.1f} s → {lib.path}")
        for path, error in report.failed:
            err.print(f"[bold red]failed:[/] {path}: {error}", markup=True, highlight=False)
        if report.failed:
            raise typer.Exit(EXIT_FAILED)

    @app.command("list")
    @user_errors
    def list_videos(library: LibraryOpt = None, config: ConfigOpt = None, format: FormatOpt = Format.text) -> None:
        """The videos in the library."""
        from ..timeline import format_timestamp

        records = _open(config, library).list()
        if format is Format.json:
            print(json.dumps([{"video": r.path, "duration": r.duration, "entries": r.entries, "sha256": r.sha256,
                               "failures": r.failures} for r in records], indent=2))
            return
        for r in records:
            note = f"  ({len(r.failures)} module(s) failed)" if r.failures else ""
            print(f"{r.path}\t{format_timestamp(r.duration)}\t{r.entries} entries{note}")
        err.print(f"{len(records)} videos")

    @app.command()
    @user_errors
    def remove(
        paths: Annotated[List[str], typer.Argument(help="Videos (or folders) to remove from the library.",
                                                   show_default=False)],
        library: LibraryOpt = None,
        config: ConfigOpt = None,
    ) -> None:
        """Remove videos from the library (the files are not touched)."""
        for path in _open(config, library).remove(paths):
            print(f"removed {path}")

    @app.command()
    @user_errors
    def prune(library: LibraryOpt = None, config: ConfigOpt = None) -> None:
        """Remove the videos whose files no longer exist."""
        removed = _open(config, library).prune()
        for path in removed:
            print(f"removed {path}")
        err.print(f"{len(removed)} removed")

    @app.command()
    @user_errors
    def search(
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
            print(f"{m.video} [{format_timestamp(m.start)}–{format_timestamp(m.end)}] {m.module}: {m.text}")
        if not moments:
            err.print("nothing found")

    @app.command()
    @user_errors
    def ask(
        question: Annotated[str, typer.Argument(help="The question.", show_default=False)],
        library: LibraryOpt = None,
        config: ConfigOpt = None,
        format: FormatOpt = Format.text,
    ) -> None:
        """Answer QUESTION from the best moments of all videos, citing video and time."""
        answer = _open(config, library).ask(question)
        if format is Format.json:
            print(json.dumps(answer.to_json_dict(), indent=2, ensure_ascii=False))
            return
        print(answer.text)
        if answer.citations:
            print(answer.sources_text())

    return app


def _add_with_progress(lib, paths: list[str], workers: Optional[int], ray: Any, err: Console):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), TextColumn("{task.fields[current]}"), console=err, transient=True) as bar:
        task = bar.add_task("videos", total=None, current="hashing files")

        def progress(done: int, total: int, current: str) -> None:
            bar.update(task, completed=done, total=total, current=Path(current).name if current else "")

        return lib.add(paths, workers=workers, ray=ray, progress=progress)
