"""The documentation site builds with ``mkdocs build --strict`` (a broken link, a missing anchor,
a page left out of the nav or an included example that is gone fails it) and stays true to the code."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import anyio
import yaml

ROOT = Path(__file__).resolve().parents[1]


def nav_pages(nav=None) -> list[str]:
    """Every page the site's nav lists (sections nest: lists of {title: page or list})."""
    if nav is None:
        nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["nav"]
    pages: list[str] = []
    for item in nav:
        values = [item] if isinstance(item, str) else list(item.values())
        for value in values:
            pages += [value] if isinstance(value, str) else nav_pages(value)
    return pages


def heading_anchors(page: Path) -> set[str]:
    """The ids MkDocs gives a page's headings (the toc extension's slugify; fenced code skipped)."""
    from markdown.extensions.toc import slugify

    anchors, fenced = set(), False
    for line in page.read_text().splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (heading := re.match(r"#{1,6} (.+)", line)):
            anchors.add(slugify(heading.group(1).strip(), "-"))
    return anchors


def test_the_site_builds_strictly_with_every_page(tmp_path):
    site = tmp_path / "site"
    built = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)], cwd=ROOT,
                           capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert built.returncode == 0, built.stderr[-3000:]
    for page in ("index.html", "mcp/index.html", "langchain/index.html", "web-app.png"):
        assert (site / page).is_file(), page
    for page in nav_pages():
        html = site / ("index.html" if page == "index.md" else page.removesuffix(".md") + "/index.html")
        assert html.is_file(), page
    # The chain on the LangChain page is the tested example file itself, included at build time.
    assert "build_chain" in (site / "langchain" / "index.html").read_text()


def test_the_mcp_page_documents_every_tool_with_its_arguments():
    from videochat_text.config import Settings
    from videochat_text.integrations.mcp_server import build_server
    from videochat_text.integrations.tools import VideoTools

    tools = anyio.run(build_server(VideoTools(Settings())).list_tools)
    rows: dict[str, str] = {}  # the tools table comes first; later tables (figures) name tools too
    for row in re.finditer(r"^\| `(\w+)` \| ([^|]*) \|", (ROOT / "docs" / "mcp.md").read_text(), re.M):
        rows.setdefault(row.group(1), row.group(2))
    for tool in tools:
        documented = re.findall(r"`(\w+)`", rows[tool.name])
        assert documented == list(tool.input_schema["properties"]), tool.name


def test_the_readme_is_short_and_links_every_page_of_the_site():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 300, "the README is for newcomers: reference goes to docs/"
    links = re.findall(r"\]\(docs/([^)#\s]+)(?:#([^)\s]+))?\)", readme)
    linked = {page for page, _ in links}
    pages = nav_pages()
    assert len(pages) > 3 and "index.md" in pages
    assert [page for page in pages if page not in linked] == [], "every page of the site is linked from the README"
    for page, anchor in links:
        assert (ROOT / "docs" / page).is_file(), page
        if anchor and page.endswith(".md"):
            assert anchor in heading_anchors(ROOT / "docs" / page), f"docs/{page}#{anchor}"
