"""The pages of web/ as the local stack serves them: the public form at /, the organizer
console and the founder's page with their deep links."""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from local.gateway import Response
from local.template import ROOT

WEB = ROOT / "web"


def wants_page(headers: dict[str, str]) -> bool:
    """A browser's navigation: it asks for HTML and sends no token."""
    return "text/html" in headers.get("accept", "") and "authorization" not in headers


def web_file(path: str, *, wants_page: bool) -> Path | None:
    """The file of web/ that serves `path`, if any: never outside web/, never a dotfile."""
    parts = [p for p in path.split("/") if p]
    if any(p.startswith(".") or "\\" in p for p in parts):
        return None
    file = WEB.joinpath(*parts) if parts else WEB
    if file.is_dir():
        # `/status` and `/organizers` are API routes too: a page's folder without its
        # trailing slash is the page only for a navigation, never for the API client.
        if not (wants_page or path.endswith("/")):
            return None
        file = file / "index.html"
    if file.is_file():
        return file
    if wants_page and parts and (WEB / parts[0] / "index.html").is_file():
        return WEB / parts[0] / "index.html"
    return None


def static_file(path: str, *, wants_page: bool = False) -> Response | None:
    """web/ at /: a file by its path, or a page's index.html for its deep links.

    `/organizers/groups/<id>` and `/status` are views of pages (web/organizers/,
    web/status/) that route in the browser, so a navigation (a request that asks for
    HTML and carries no token) gets the page's index.html; an API call to the same
    path (`GET /status` with a bearer token) goes on to the API.
    """
    file = web_file(path, wants_page=wants_page)
    if file is None:
        return None
    data = file.read_bytes()
    if file.name == "index.html":
        data = re.sub(rb'(<meta name="api-base" content=")[^"]*"', rb'\1"', data)
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type.endswith("javascript"):
        content_type += "; charset=utf-8"
    return Response(200, [("Content-Type", content_type), ("Cache-Control", "no-store")], data)
