"""A real HTTP file server on 127.0.0.1 for the download tests.

It serves bytes the test hands it, honours ``Range: bytes=N-`` requests,
records every request, and can misbehave on purpose: stop sending partway
through a body, ignore ranges, or answer with an error status.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Request:
    """One request the server saw."""

    path: str
    range: str | None


@dataclass
class FileServer:
    """Serves ``files`` (path -> bytes) until :meth:`stop`.

    Attributes:
        files: what each path serves.
        requests: every request received, in order.
        stop_after: when set, the next response sends only this many bytes
            of its body (its Content-Length still announces all of them),
            then closes the connection; reset after one use.
        ignore_range: answer range requests with the whole file (200).
        status: when set, answer every request with this status and no body.
    """

    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    stop_after: int | None = None
    ignore_range: bool = False
    status: int | None = None

    def start(self) -> FileServer:
        served = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                served.requests.append(Request(self.path, self.headers["Range"]))
                if served.status is not None:
                    self.send_error(served.status)
                    return
                body = served.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                start = _range_start(self.headers["Range"])
                if start is None or served.ignore_range:
                    self.send_response(200)
                    start = 0
                elif start >= len(body):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(body)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                else:
                    self.send_response(206)
                    self.send_header(
                        "Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}"
                    )
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                payload = body[start:]
                if served.stop_after is not None:
                    payload = payload[: served.stop_after]
                    served.stop_after = None
                    self.close_connection = True
                self.wfile.write(payload)
                self.wfile.flush()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def url(self, path: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _range_start(header: str | None) -> int | None:
    if not header or not header.startswith("bytes=") or not header.endswith("-"):
        return None
    first = header.removeprefix("bytes=").removesuffix("-")
    return int(first) if first.isdigit() else None


def closed_port_url(path: str = "/file") -> str:
    """An address on 127.0.0.1 where nothing listens: connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"
