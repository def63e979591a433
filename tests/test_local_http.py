"""The local stack's HTTP front (local/server.py) in-process, with a fake site behind it:
request framing, readiness, the /_local methods (local/dev_routes.py), web/ files
(local/pages.py), and a quiet console when clients hang up."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from local import dev_routes
from local.gateway import Request, Response
from local.server import Handler, Server


class EchoSite:
    """Stands in for the Site: answers every request with what it received."""

    def handle(self, request: Request) -> tuple[Response, str]:
        return Response.json(200, {"method": request.method, "body": request.body.decode()}), "echo"


@dataclass
class Raw:
    status: int
    headers: dict[str, str]
    body: bytes
    closed: bool  # the server closed the connection after answering

    def json(self) -> dict:
        return json.loads(self.body)


@pytest.fixture
def http() -> Iterator[Server]:
    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def exchange(server: Server, *requests: bytes) -> list[Raw]:
    """Send each request on one connection; read each answer (by its Content-Length)."""
    answers = []
    with socket.create_connection(server.server_address, timeout=5) as conn:
        reader = conn.makefile("rb")
        for data in requests:
            conn.sendall(data)
            status = int(reader.readline().split()[1])
            headers = {}
            while (line := reader.readline().decode().strip()) != "":
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            body = b"" if data.startswith(b"HEAD ") else reader.read(int(headers.get("content-length", 0)))
            answers.append(Raw(status, headers, body, closed=False))
        conn.settimeout(0.5)
        try:
            answers[-1].closed = reader.read(1) == b""
        except TimeoutError:  # still open, waiting for the next request
            answers[-1].closed = False
    return answers


def post(body: bytes, *headers: str) -> bytes:
    head = "".join(f"{h}\r\n" for h in headers)
    return f"POST /inquiries HTTP/1.1\r\nHost: x\r\n{head}\r\n".encode() + body


def test_a_body_with_its_content_length_is_read_and_the_connection_kept(http):
    http.site = EchoSite()

    first, second = exchange(http, post(b'{"a": 1}', "Content-Length: 8"), post(b"{}", "Content-Length: 2"))

    assert (first.status, first.json()) == (200, {"method": "POST", "body": '{"a": 1}'})
    assert (second.status, second.json()["body"]) == (200, "{}")
    assert not second.closed


@pytest.mark.parametrize("length", ["abc", "-1", "+8", "8, 9", "0x8", ""])
def test_a_content_length_that_is_not_a_number_of_bytes_is_a_400_problem(http, length):
    http.site = EchoSite()

    [answer] = exchange(http, post(b'{"a": 1}', f"Content-Length: {length}"))

    assert answer.status == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["status"] == 400
    assert answer.closed  # where the body ends is unknown: the connection cannot be reused


def test_two_content_lengths_that_disagree_are_a_400_problem(http):
    http.site = EchoSite()

    [answer] = exchange(http, post(b'{"a": 1}', "Content-Length: 8", "Content-Length: 7"))

    assert answer.status == 400


def test_a_chunked_body_is_a_411_problem_asking_for_a_length(http):
    http.site = EchoSite()

    [answer] = exchange(http, post(b'8\r\n{"a": 1}\r\n0\r\n\r\n', "Transfer-Encoding: chunked"))

    assert answer.status == 411
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["title"] == "Length required"
    assert answer.closed


def test_a_body_over_10_mb_is_a_413_problem(http):
    http.site = EchoSite()

    [answer] = exchange(http, post(b"", f"Content-Length: {10 * 1024 * 1024 + 1}"))

    assert answer.status == 413
    assert answer.closed


@pytest.mark.parametrize(
    "request_line", ["GET /_local/health", "GET /", "POST /inquiries", "GET /_local/outbox", "HEAD /_local/health"]
)
def test_before_the_stack_is_ready_every_route_is_a_503_problem_at_once(http, request_line):
    # No stack yet (http.site is None): the port is bound while the stack boots.
    [answer] = exchange(http, f"{request_line} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".encode())

    assert answer.status == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "1"
    if not request_line.startswith("HEAD"):
        assert answer.json()["status"] == 503


def test_a_client_that_hung_up_leaves_no_traceback_but_other_errors_do(http, capsys):
    try:
        raise BrokenPipeError(32, "Broken pipe")
    except BrokenPipeError:
        http.handle_error(None, ("127.0.0.1", 50000))
    try:
        raise ConnectionResetError(104, "Connection reset by peer")
    except ConnectionResetError:
        http.handle_error(None, ("127.0.0.1", 50000))
    assert capsys.readouterr().err == ""

    try:
        raise ValueError("a real bug")
    except ValueError:
        http.handle_error(None, ("127.0.0.1", 50000))
    assert "ValueError: a real bug" in capsys.readouterr().err


# --- /_local: each route answers its methods only -------------------------------------


def dev_route(method: str, path: str) -> Response:
    return dev_routes.handle(None, Request(method, path, "", {}, b"", "127.0.0.1"))  # these touch no stack


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/_local/health", "GET, HEAD"),
        ("POST", "/_local/outbox", "GET, HEAD"),
        ("GET", "/_local/login", "POST"),
        ("PUT", "/_local/schedules", "GET, HEAD"),
        ("GET", "/_local/schedules/DailyFollowUps/run", "POST"),
    ],
)
def test_a_local_route_called_with_another_method_is_a_405_problem_saying_which(method, path, allow):
    response = dev_route(method, path)

    assert response.status == 405
    assert ("Content-Type", "application/problem+json") in response.headers
    assert ("Allow", allow) in response.headers
    assert json.loads(response.body)["status"] == 405


def test_an_unknown_local_route_is_a_404_problem_and_health_a_200():
    assert dev_route("GET", "/_local/nothing").status == 404
    assert dev_route("GET", "/_local/health").status == 200
    assert dev_route("HEAD", "/_local/health").status == 200


@pytest.fixture
def web(tmp_path, monkeypatch):
    """A web/ tree: the form at the top, a page with its own router under pages/."""
    (tmp_path / "index.html").write_text("form")
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "index.html").write_text("page")
    (tmp_path / "pages" / "app.js").write_text("js")
    (tmp_path / ".secret").write_text("no")
    monkeypatch.setattr("local.pages.WEB", tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("path", "wants_page", "served"),
    [
        ("/", False, "index.html"),
        ("/pages/app.js", False, "pages/app.js"),
        ("/pages/", False, "pages/index.html"),
        ("/pages/groups/g-1", True, "pages/index.html"),  # a deep link opens the page
        ("/pages/groups/g-1", False, None),  # the same path called by the API client
        ("/pages", True, "pages/index.html"),  # a navigation to the page's own path
        ("/pages", False, None),  # an API route of the same name (GET /status, GET /organizers)
        ("/nothing/here", True, None),
        ("/.secret", False, None),
        ("/pages/../.secret", True, None),
    ],
)
def test_web_files_and_page_deep_links_are_served_and_nothing_outside(web, path, wants_page, served):
    from local.pages import web_file

    found = web_file(path, wants_page=wants_page)

    assert (found.relative_to(web).as_posix() if found else None) == served


@pytest.mark.parametrize(
    ("headers", "page"),
    [
        ({"accept": "text/html,application/xhtml+xml"}, True),
        ({"accept": "text/html", "authorization": "Bearer x"}, False),
        ({"accept": "application/json"}, False),
        ({}, False),
    ],
)
def test_a_navigation_asks_for_html_without_a_token(headers, page):
    from local.pages import wants_page

    assert wants_page(headers) is page


def test_the_links_in_the_local_stacks_emails_open_on_the_local_stack():
    from local.stack import stack_parameters

    given = stack_parameters("http://127.0.0.1:5000", "http://127.0.0.1:8000", {}, "http://127.0.0.1:3500")

    assert given["PublicSiteUrl"] == "http://127.0.0.1:3500/"  # the founder's /status#t=...
    assert given["OrganizerAppUrl"] == "http://127.0.0.1:3500/organizers/"
    assert given["PublicApiUrl"] == "http://127.0.0.1:3500/"  # one-click unsubscribe
    assert given["AwsEndpointUrl"] == "http://127.0.0.1:5000"


def test_a_developer_override_wins_over_the_local_sites_address():
    from local.stack import stack_parameters

    given = stack_parameters("http://a", "http://d", {"PublicSiteUrl": "https://x.example/"}, "http://127.0.0.1:3500")

    assert given["PublicSiteUrl"] == "https://x.example/"
    assert given["OrganizerAppUrl"] == "http://127.0.0.1:3500/organizers/"


# --- what the console log prints ---------------------------------------------------------


def test_the_request_log_prints_an_unsubscribe_token_as_a_placeholder(http, capsys):
    token = "eyJnIjoiZy0xIn0.c2lnbmF0dXJl"
    request = f"POST /api/status/unsubscribe/{token} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".encode()

    exchange(http, request)

    err = capsys.readouterr().err
    assert "POST /api/status/unsubscribe/{token} 503" in err
    assert token not in err


def test_a_failed_pump_prints_its_error_type_only(capsys):
    from local.stack import LocalStack

    class FailingPump:
        function = "EmailSenderFunction"
        errors: list[str] = []

        def pump(self) -> int:
            raise ValueError("cannot send to ana.souza@example.com")

    local = LocalStack("", None, None)  # type: ignore[arg-type]
    pump = FailingPump()

    assert local._guarded(pump, pump.pump, 0) == 0  # type: ignore[arg-type]
    err = capsys.readouterr().err
    assert "[EmailSenderFunction] failed, will retry: ValueError" in err
    assert "ana.souza" not in err
