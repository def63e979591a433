"""The organizer console's files as shipped: every module it imports is published, the
whole stays small, and the program's words match the API's."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from local.template import ROOT
from scripts.publish_site import VENDORED, shipped_files
from shared.domain.program import STEP_TEXTS, STEP_TITLES

WEB = ROOT / "web"
IMPORT = re.compile(r"""(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)""")
BUDGET_BYTES = 100 * 1024  # shipped JS + CSS of the console, gzipped (the budget)


def console_assets() -> dict[str, bytes]:
    return {
        key: path.read_bytes()
        for key, path in shipped_files().items()
        if key.startswith("organizers/") and key.endswith((".js", ".mjs", ".css"))
    }


def test_every_module_a_shipped_module_imports_is_shipped_too():
    shipped = shipped_files()
    missing = []
    for key, path in shipped.items():
        if not key.endswith((".js", ".mjs")) or key.endswith("form.js"):
            continue
        for groups in IMPORT.findall(path.read_text()):
            spec = next(g for g in groups if g)
            # Lexically (normpath, not resolve): node_modules may be a symlink to a shared install.
            target = Path(os.path.normpath(path.parent / spec)) if spec.startswith(".") else WEB / spec.lstrip("/")
            if target.relative_to(WEB).as_posix() not in shipped:
                missing.append(f"{key} imports {spec}")
    assert missing == []
    assert all((WEB / k).is_file() for k in VENDORED), "run `make install` (npm ci in web/organizers)"


def test_the_console_ships_under_100_kb_gzipped():
    assets = console_assets()
    size = sum(len(gzip.compress(data, 9)) for data in assets.values())
    assert "organizers/app.js" in assets
    assert "organizers/console.css" in assets
    assert size <= BUDGET_BYTES


def test_the_stage_words_are_the_programs():
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: run `make install`")
    script = (
        f"import({json.dumps((WEB / 'organizers' / 'words.js').as_uri())})"
        ".then(m => process.stdout.write(JSON.stringify({titles: m.STEP_TITLES, texts: m.STEP_TEXTS})))"
    )
    words = json.loads(
        subprocess.run(  # noqa: S603 - node on our own code
            [node, "-e", script], capture_output=True, text=True, check=True
        ).stdout
    )
    assert words == {"titles": STEP_TITLES, "texts": STEP_TEXTS}
