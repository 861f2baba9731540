"""``etl dashboard``: serve the page the last local run rendered, on 127.0.0.1 only."""

from __future__ import annotations

import argparse
import errno
import os
import sys
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from etl_tools.command import add_command, add_port_argument

DEFAULT_PORT = 8765


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "dashboard",
        cmd_dashboard,
        help="serve the dashboard of the local runs on 127.0.0.1",
        description="Serve <state-dir>/dashboard/, re-rendered after every `etl run`, "
        "on 127.0.0.1 and print its URL. Ctrl-C stops it.",
    )
    add_port_argument(parser, DEFAULT_PORT)


class _Handler(SimpleHTTPRequestHandler):
    def send_head(self) -> Any:
        # A page of another site can resolve its own name to 127.0.0.1 (DNS rebinding) and
        # read this server as same-origin: only requests naming this server are answered.
        port = self.server.server_address[1]
        if self.headers.get("Host") not in (f"127.0.0.1:{port}", f"localhost:{port}"):
            self.send_error(HTTPStatus.FORBIDDEN, "Host header is not this server")
            return None
        # Only files inside the folder: a symlink or a path leading out of it is not served.
        root = os.path.realpath(self.directory)
        if os.path.commonpath([root, os.path.realpath(self.translate_path(self.path))]) != root:
            self.send_error(HTTPStatus.NOT_FOUND)
            return None
        return super().send_head()

    def list_directory(self, path: Any) -> None:
        self.send_error(HTTPStatus.NOT_FOUND)  # the page, not a listing of the folder

    def end_headers(self) -> None:
        # Each run rewrites the page: a reload must show the newest one.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per request would bury the URL printed at start


def make_server(directory: Path, port: int) -> ThreadingHTTPServer:
    """A server of ``directory`` bound to 127.0.0.1 (never another interface), answering only
    requests for 127.0.0.1 or localhost, with files inside ``directory`` only."""
    return ThreadingHTTPServer(("127.0.0.1", port), partial(_Handler, directory=str(directory)))


def cmd_dashboard(args: argparse.Namespace) -> int:
    directory = args.state_dir / "dashboard"
    if not (directory / "index.html").is_file():
        print(
            f"error: no dashboard in {directory}/ yet: run `etl run` first "
            f"(with the same --state-dir)",
            file=sys.stderr,
        )
        return 1
    try:
        server = make_server(directory, args.port)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        print(f"error: port {args.port} is in use; pick another with --port", file=sys.stderr)
        return 1
    with server:
        print(
            f"dashboard: http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)", flush=True
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0
