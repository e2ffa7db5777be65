"""The documentation site builds with ``mkdocs build --strict`` (a broken link, a missing anchor,
a page left out of the nav or an included example that is gone fails it) and stays true to the code."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import anyio

ROOT = Path(__file__).resolve().parents[1]


def test_the_site_builds_strictly_with_every_page(tmp_path):
    site = tmp_path / "site"
    built = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)], cwd=ROOT,
                           capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert built.returncode == 0, built.stderr[-3000:]
    for page in ("index.html", "mcp/index.html", "langchain/index.html", "web-app.png"):
        assert (site / page).is_file(), page
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
