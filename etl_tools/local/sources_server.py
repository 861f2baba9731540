"""The upstream sources on 127.0.0.1: real files over real HTTP, optionally cut at a date.

The extract step talks to this server exactly as it talks to GitHub: GET with ETag /
If-None-Match, Content-Length, and (when asked) the faults an upstream can have: 5xx answers,
hanging past the client's timeout, a body shorter than its Content-Length.
"""

from __future__ import annotations

import csv
import hashlib
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self
from urllib.parse import urlsplit

from covid_etl.sources import JHU, NYT, SPECS

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_FILES = {NYT: DATA_DIR / "nyt_us.csv", JHU: DATA_DIR / "jhu_combined.csv"}
PATHS = {NYT: "/nyt/us.csv", JHU: "/jhu/time-series-19-covid-combined.csv"}


def this_process_url(saved_url: str, urls: dict[str, str]) -> str:
    """The URL this process's server gives the file an earlier process's server served at ``saved_url``.

    The server binds a new port in every process, and the extract step sends the saved ETag only
    to the URL it was saved with; re-pointing the local state here keeps a second run's 304
    without loosening that check for real URLs. The ETag is a hash of the content served, so a
    different file (``--as-of``, ``--source``) still gets a 200. Any other URL is returned as is.
    """
    saved = urlsplit(saved_url)
    if saved.scheme != "http" or saved.hostname != "127.0.0.1":
        return saved_url
    for source, path in PATHS.items():
        if saved.path == path and urlsplit(urls.get(source, "")).hostname == "127.0.0.1":
            return urls[source]
    return saved_url


@dataclass
class UpstreamFaults:
    """Faults of one source's upstream; counters run down as requests arrive."""

    http_errors: int = 0  # answer 500 to the next N requests
    hangs: int = 0  # hang (longer than the client timeout) on the next N requests
    hang_seconds: float = 3.0
    truncate: bool = False  # send half the body with the full Content-Length
    requests: int = field(default=0)
    truncated: int = field(default=0)  # bodies actually cut


def cut_at(data: bytes, source: str, as_of: date) -> bytes:
    """Drop the rows dated after ``as_of``; every other line (header, bad rows) is kept as is."""
    text = data.decode("utf-8", errors="surrogateescape")
    lines = text.splitlines(keepends=True)
    if not lines:
        return data
    header = next(csv.reader([lines[0].lstrip("\ufeff")]))
    if SPECS[source].date_column not in header:
        return data
    column = header.index(SPECS[source].date_column)
    kept = [lines[0]]
    for line in lines[1:]:
        try:
            value = next(csv.reader([line]))[column]
            keep = not (len(value) == 10 and value > as_of.isoformat())
        except (csv.Error, IndexError, StopIteration):
            keep = True
        if keep:
            kept.append(line)
    return "".join(kept).encode("utf-8", errors="surrogateescape")


class SourcesServer:
    def __init__(
        self,
        files: dict[str, Path] | None = None,
        as_of: date | None = None,
        faults: dict[str, UpstreamFaults] | None = None,
    ):
        self.bodies: dict[str, bytes] = {}
        for source, path in {**DEFAULT_FILES, **(files or {})}.items():
            data = Path(path).read_bytes()
            self.bodies[source] = cut_at(data, source, as_of) if as_of else data
        self.faults = faults or {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def urls(self) -> dict[str, str]:
        host, port = self._server.server_address[:2]
        return {source: f"http://{host}:{port}{path}" for source, path in PATHS.items()}

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                source = next((s for s, p in PATHS.items() if p == self.path), None)
                if source is None:
                    self.send_error(404)
                    return
                faults = server.faults.get(source, UpstreamFaults())
                faults.requests += 1
                if faults.hangs > 0:
                    faults.hangs -= 1
                    time.sleep(faults.hang_seconds)
                if faults.http_errors > 0:
                    faults.http_errors -= 1
                    self.send_error(500, "Internal Server Error (injected)")
                    return
                body = server.bodies[source]
                etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/csv; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.end_headers()
                if faults.truncate:
                    faults.truncated += 1
                    body = body[: len(body) // 2]
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass

        return Handler
