"""The real server over real HTTP: start, answer, guard, stop."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys

import httpx
import pytest

from neuron.server import is_loopback
from tests.conftest import start_server


def test_home_and_api_answer_over_http(server):
    home = httpx.get(server.base + "/", timeout=10)
    assert home.status_code == 200
    assert "<html" in home.text.lower()

    health = httpx.get(server.base + "/api/health", timeout=10).json()
    assert health["status"] == "ok"

    described = httpx.get(server.base + "/api/openapi.json", timeout=10).json()
    assert described["openapi"].startswith("3.")
    assert "/api/cards/{card}/review" in described["paths"]


def test_every_page_shares_one_cacheable_copy_of_marimos_frontend(server):
    page = httpx.get(server.base + "/canvas/", timeout=10)
    assert page.status_code == 200
    assert '"./assets/' not in page.text
    assets = re.findall(r'src="(/assets/[^"]+\.js)"', page.text)
    assert assets, "the page names no script under /assets/"

    shared = httpx.get(server.base + assets[0], timeout=10)
    own = httpx.get(server.base + "/canvas" + assets[0], timeout=10)
    assert shared.status_code == own.status_code == 200
    assert shared.content == own.content
    assert shared.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert int(page.headers["content-length"]) == len(page.content)


def test_ctrl_c_stops_the_server_cleanly(server):
    assert httpx.get(server.base + "/api/health", timeout=10).status_code == 200

    assert server.stop() == 0
    assert "neuron stopped." in server.output


def test_server_binds_loopback_by_default(server):
    assert server.url.startswith("http://127.0.0.1:")


@pytest.mark.parametrize(
    "host, expected",
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("192.168.1.10", False),
        ("example.org", False),
    ],
)
def test_is_loopback(host, expected):
    assert is_loopback(host) is expected


def test_binding_beyond_loopback_without_token_is_refused(neuron_home):
    result = subprocess.run(
        [sys.executable, "-m", "neuron.cli", "serve", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "--token" in result.stderr
    assert "0.0.0.0" in result.stderr


def test_token_guards_the_api_and_pages(neuron_home):
    running = start_server("--token", "s3cret")
    try:
        assert running.url.endswith("?access_token=s3cret")
        api = running.base + "/api/health"
        assert httpx.get(api, timeout=10).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert httpx.get(api, headers=wrong, timeout=10).status_code == 401
        right = {"Authorization": "Bearer s3cret"}
        assert httpx.get(api, headers=right, timeout=10).status_code == 200
        assert httpx.get(api + "?access_token=s3cret", timeout=10).status_code == 200

        # marimo checks the same token on the notebook pages: without it a
        # login page, with it a session cookie and the page itself.
        page = httpx.get(running.base + "/", timeout=10)
        assert page.status_code == 303
        assert page.headers["location"].startswith("/auth/login")
        with httpx.Client(follow_redirects=True, timeout=10) as client:
            page = client.get(running.base + "/?access_token=s3cret")
        assert page.status_code == 200
        assert str(page.url).rstrip("/") == running.base
    finally:
        assert running.stop() == 0


def test_port_in_use_is_reported(server):
    port = server.base.rsplit(":", 1)[1]
    result = subprocess.run(
        [sys.executable, "-m", "neuron.cli", "serve", "--port", port, "--no-open"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert f"port {port}" in result.stderr and "in use" in result.stderr


def test_bare_neuron_serves_on_loopback_at_the_default_port(neuron_home):
    from neuron.cli import DEFAULT_PORT

    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", DEFAULT_PORT)) == 0:
            pytest.skip(f"port {DEFAULT_PORT} is taken on this machine")
    # BROWSER=true makes the browser that `neuron` opens a no-op command.
    process = subprocess.Popen(
        [sys.executable, "-m", "neuron.cli"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "BROWSER": "true"},
    )
    try:
        first = process.stdout.readline()
        assert f"running at http://127.0.0.1:{DEFAULT_PORT}/" in first
        health = httpx.get(f"http://127.0.0.1:{DEFAULT_PORT}/api/health", timeout=10)
        assert health.status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0


def test_listening_socket_serves_connections_without_nagle_delay():
    # Without TCP_NODELAY on accepted connections, a response written as
    # headers then body waits for the client's delayed ACK (~40 ms each).
    import asyncio

    from neuron.server import listening_socket

    async def accepted_nodelay() -> int:
        found: asyncio.Future = asyncio.get_running_loop().create_future()

        def accept(reader, writer):
            raw = writer.get_extra_info("socket")
            found.set_result(raw.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(
            accept, sock=listening_socket("127.0.0.1", 0)
        )
        port = server.sockets[0].getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await asyncio.wait_for(found, 10)
        finally:
            writer.close()
            server.close()
            await server.wait_closed()

    assert asyncio.run(accepted_nodelay()) != 0


def test_listening_socket_refuses_a_port_in_use():
    from neuron.server import listening_socket

    with listening_socket("127.0.0.1", 0) as taken:
        taken.listen()
        with pytest.raises(OSError):
            listening_socket("127.0.0.1", taken.getsockname()[1])


def test_notebooks_are_built_on_their_first_request(neuron_home):
    # Home is ready when the server listens; a lesson only once asked for,
    # and then it answers like any mounted notebook.
    import asyncio

    from neuron import paths
    from neuron.server import build_app

    app = build_app()
    notebooks = app.state.notebooks
    assert len(notebooks.session_managers()) == 1
    lesson = paths.url_of(paths.lessons()[0], "lesson")

    async def fetch():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            return (
                await c.get(lesson.rstrip("/")),
                await c.get(lesson),
                await c.get("/"),
            )

    bare, page, home = asyncio.run(fetch())
    assert bare.status_code in (301, 307) and bare.headers["location"].endswith("/")
    assert page.status_code == 200 and "<marimo-" in page.text
    assert home.status_code == 200
    assert len(notebooks.session_managers()) == 2


@pytest.mark.parametrize("path", ["/api/notes/a%0Ab", "/api/runs/%0A1"])
def test_api_paths_with_a_newline_get_the_apis_json_answer(neuron_home, path):
    # Found by the schemathesis fuzz: a newline in a path parameter once
    # slipped past the /api mount and got the notebooks' plain-text 404.
    from starlette.testclient import TestClient

    from neuron.server import build_app

    answer = TestClient(build_app()).get(path)
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/json")
    assert "expected" in answer.json()["message"]
