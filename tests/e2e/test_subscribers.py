"""Subscribers on the embedded AWS: the bridge delivers the bus's events as HTTP POSTs to the
subscribers declared in <state dir>/subscribers.json; a failing subscriber's events land in its
DLQ, and `etl replay --subscriber` delivers them once it recovers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import Pipeline, process_state_kept, revised_nyt

from etl_tools import subscribers
from etl_tools.local.moto_bridge import dump_messages
from etl_tools.local.runner import embedded_aws
from etl_tools.local.sources_server import SourcesServer


class Endpoint:
    """A subscriber's HTTP endpoint on 127.0.0.1: records each event POSTed while it is up."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self.failing = False
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if not endpoint.failing:
                    endpoint.events.append(json.loads(body))
                self.send_response(500 if endpoint.failing else 200)
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/events"

    def taken(self, run_id: str) -> list[dict]:
        """The events of this run received so far (all received are forgotten)."""
        events, self.events = self.events, []
        return [e for e in events if e["detail"]["run_id"] == run_id]


@pytest.fixture(scope="module")
def endpoints() -> Iterator[dict[str, Endpoint]]:
    found = {"steady": Endpoint(), "flaky": Endpoint()}
    yield found
    for endpoint in found.values():
        endpoint.server.shutdown()


@pytest.fixture(scope="module")
def subscribed(
    tmp_path_factory: pytest.TempPathFactory, endpoints: dict[str, Endpoint]
) -> Iterator[Pipeline]:
    """An account whose state dir declares two subscribers, after a first load."""
    state_dir = tmp_path_factory.mktemp("state")
    with process_state_kept(), embedded_aws(state_dir, compute=False):
        pass  # an etl state dir, which then holds the declarations
    declared = [{"name": name, "url": e.url} for name, e in endpoints.items()]
    (state_dir / subscribers.SUBSCRIBERS_FILE).write_text(json.dumps(declared))
    with (
        process_state_kept(),
        SourcesServer() as server,
        embedded_aws(state_dir, source_urls=server.urls, save=False) as stack,
    ):
        pipeline = Pipeline(stack, server)
        assert pipeline.run().status == "SUCCEEDED"
        yield pipeline


def by_name(pipeline: Pipeline, name: str) -> subscribers.Subscriber:
    return next(s for s in pipeline.stack.bridge.subscribers if s.name == name)


def test_each_subscriber_gets_the_runs_events_a_failing_one_by_replay_once_it_recovers(
    subscribed: Pipeline, endpoints: dict[str, Endpoint]
) -> None:
    flaky = endpoints["flaky"]
    flaky.failing = True
    days = ("2020-09-01", "2020-09-02")
    result = subscribed.run(nyt=revised_nyt(*days, bump=9))
    assert result.status == "SUCCEEDED", result.cause
    # The other subscriber is not held up: one RecordChanged per changed day, one RunCompleted.
    events = endpoints["steady"].taken(result.run_id)
    changed = [e for e in events if e["detail-type"] == "RecordChanged"]
    assert sorted(e["detail"]["date"] for e in changed) == list(days)
    assert [e["detail-type"] for e in events].count("RunCompleted") == 1
    assert all(e["source"] == "covid-etl" and e["id"] for e in events)

    assert flaky.taken(result.run_id) == []
    queue = by_name(subscribed, "flaky").dlq_url
    parked = [json.loads(m["body"]) for m in dump_messages(queue)]
    assert sum(e["detail"]["run_id"] == result.run_id for e in parked) == 3  # 2 changes + run

    assert subscribers.replay(by_name(subscribed, "flaky")) == (0, len(parked))  # still down
    flaky.failing = False
    assert subscribers.replay(by_name(subscribed, "flaky")) == (len(parked), 0)
    replayed = flaky.taken(result.run_id)
    assert sorted(e["detail"].get("date", "") for e in replayed) == ["", "2020-09-01", "2020-09-02"]
    assert dump_messages(queue) == []
