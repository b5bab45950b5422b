"""Alert notifications against real receivers on loopback: an HTTP server for webhooks and an
SMTP server (aiosmtpd) for e-mail. Delivered once per state change into or out of ALARM,
retried with backoff while a receiver fails or is down, nothing lost, logged per alert."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from cli import run_cli
from core.errors import ValidationError
from core.notifications.outbox import Deliverer, deliver_due, retry_delay
from core.workspace.alerts import ALARM, OK, AlertRule
from core.workspace.notifications import DELIVERED, FAILED, PENDING
from core.workspace.store import Workspace


class Receiver:
    """A webhook receiver that answers 500 to the first ``failures`` posts."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.bodies: list[dict] = []
        self.attempts = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.attempts += 1
                if receiver.attempts <= receiver.failures:
                    self.send_response(500)
                    self.end_headers()
                    return
                receiver.bodies.append(json.loads(body))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def workspace(tmp_path):
    with Workspace.open(tmp_path / "ws") as ws:
        yield ws


def _rule(ws, *destinations: str, name: str = "drift") -> AlertRule:
    return ws.create_alert_rule(AlertRule(name, "feature_baseline_drift_{f}", ">", 0.1,
                                          destinations=destinations))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_one_delivery_per_change_into_or_out_of_alarm(workspace, receiver):
    _rule(workspace, f"webhook:{receiver.url}")
    workspace.set_alert_state("drift", OK, "fine")  # INSUFFICIENT_DATA -> OK: not worth a word
    assert deliver_due(workspace) == 0 and receiver.bodies == []
    workspace.set_alert_state("drift", ALARM, "drift 0.3 > 0.1")
    workspace.set_alert_state("drift", ALARM, "still")  # no change, no notification
    assert deliver_due(workspace) == 1
    assert deliver_due(workspace) == 0  # delivered once, never again
    workspace.set_alert_state("drift", OK, "recovered")
    assert deliver_due(workspace) == 1
    assert [(b["alert"]["old_state"], b["alert"]["new_state"]) for b in receiver.bodies] == [
        (OK, ALARM), (ALARM, OK)]
    first = receiver.bodies[0]
    assert first["text"].startswith("Alert drift: OK -> ALARM") and first["blocks"]  # Slack
    log = workspace.list_notifications("drift")
    assert [n.status for n in log] == [DELIVERED, DELIVERED] and all(n.attempts == 1 for n in log)


def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(workspace):
    flaky = Receiver(failures=3)
    try:
        _rule(workspace, f"webhook:{flaky.url}")
        workspace.set_alert_state("drift", ALARM, "drift")
        now = datetime.now(UTC)
        for attempt in range(1, 4):
            assert deliver_due(workspace, now=now) == 0
            (row,) = workspace.list_notifications()
            assert row.status == PENDING and row.attempts == attempt
            assert "HTTP 500" in row.last_error
            assert row.next_attempt_at - now >= retry_delay(attempt) - timedelta(seconds=1)
            assert deliver_due(workspace, now=now) == 0  # not due again before the backoff
            now = row.next_attempt_at
        assert deliver_due(workspace, now=now) == 1
        assert len(flaky.bodies) == 1 and workspace.list_notifications()[0].status == DELIVERED
    finally:
        flaky.close()


def test_nothing_lost_while_the_receiver_is_down(workspace):
    port = _free_port()  # nothing listens here yet
    _rule(workspace, f"webhook:http://127.0.0.1:{port}/hook")
    for state in (ALARM, OK, ALARM):
        workspace.set_alert_state("drift", state, state)
    now = datetime.now(UTC)
    assert deliver_due(workspace, now=now, first_retry_s=0) == 0
    assert all("could not be reached" in n.last_error for n in workspace.list_notifications())
    late = Receiver()
    late.server.server_close()  # rebind the receiver on the port the rule names
    late.server = ThreadingHTTPServer(("127.0.0.1", port), late.server.RequestHandlerClass)
    threading.Thread(target=late.server.serve_forever, daemon=True).start()
    try:
        assert deliver_due(workspace, now=now + timedelta(minutes=5)) == 3
        assert [b["alert"]["new_state"] for b in late.bodies] == [ALARM, OK, ALARM]
    finally:
        late.close()


def test_given_up_after_a_day_and_logged(workspace):
    _rule(workspace, f"webhook:http://127.0.0.1:{_free_port()}/hook")
    workspace.set_alert_state("drift", ALARM, "drift")
    deliver_due(workspace, now=datetime.now(UTC) + timedelta(hours=25))
    (row,) = workspace.list_notifications()
    assert row.status == FAILED and row.attempts == 1 and row.last_error


def test_email_through_a_real_smtp_server_with_login(workspace, monkeypatch):
    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            received.append((envelope.rcpt_tos, envelope.content.decode()))
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        good = auth_data.login == b"monitor" and auth_data.password == b"s3cret"
        return AuthResult(success=good)

    port = _free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port,
                            authenticator=authenticator, auth_require_tls=False)
    controller.start()
    try:
        for key, value in {"HOST": "127.0.0.1", "PORT": str(port), "TLS": "none",
                           "USER": "monitor", "PASSWORD": "s3cret",
                           "FROM": "monitor@example.com"}.items():
            monkeypatch.setenv(f"MODEL_MONITOR_SMTP_{key}", value)
        _rule(workspace, "email:analyst@example.com")
        workspace.set_alert_state("drift", ALARM, "drift 0.3 > 0.1")
        assert deliver_due(workspace) == 1
        (rcpt, content), = received
        assert rcpt == ["analyst@example.com"]
        assert "Subject: [Model Monitor] Alert drift: INSUFFICIENT_DATA -> ALARM" in content
        assert "drift 0.3 > 0.1" in content
        monkeypatch.setenv("MODEL_MONITOR_SMTP_PASSWORD", "wrong")
        workspace.set_alert_state("drift", OK, "ok")
        assert deliver_due(workspace) == 0
        assert "refused" in workspace.list_notifications()[0].last_error
    finally:
        controller.stop()


def test_email_without_smtp_settings_says_what_to_set(workspace, monkeypatch):
    monkeypatch.delenv("MODEL_MONITOR_SMTP_HOST", raising=False)
    _rule(workspace, "email:a@example.com")
    workspace.set_alert_state("drift", ALARM, "x")
    deliver_due(workspace)
    assert "MODEL_MONITOR_SMTP_HOST" in workspace.list_notifications()[0].last_error


def test_the_deliverer_thread_sends_without_blocking_its_caller(workspace, receiver):
    _rule(workspace, f"webhook:{receiver.url}", "desktop")
    deliverer = Deliverer(workspace, poll_s=0.05).start()
    try:
        started = time.monotonic()
        workspace.set_alert_state("drift", ALARM, "x")
        assert time.monotonic() - started < 1.0
        deadline = time.monotonic() + 10
        while not receiver.bodies and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(receiver.bodies) == 1
        assert [n.destination for n in workspace.list_notifications()] == [
            f"webhook:{receiver.url}"]  # desktop is shown by the app, not queued
    finally:
        deliverer.stop()


@pytest.mark.parametrize("bad", ["webhook:ftp://x", "webhook:nohost", "email:not-an-address",
                                 "sms:123", "desktop:extra", "", "webhook:http://\x00x"])
def test_bad_destinations_are_refused(workspace, bad):
    with pytest.raises(ValidationError):
        _rule(workspace, bad)


def test_cli_creates_a_rule_with_destinations_and_shows_the_log(tmp_path, receiver, capsys):
    ws = str(tmp_path / "cli-ws")
    Workspace.open(ws).close()
    assert run_cli(["alerts", "create", "drift", "--workspace", ws, "--condition",
                    "feature_baseline_drift_{f} > 0.1", "--notify", f"webhook:{receiver.url}",
                    "--notify", "desktop"]) == 0
    assert "Notifies: webhook:" in capsys.readouterr().out
    assert run_cli(["alerts", "create", "bad", "--workspace", ws, "--condition",
                    "x > 1", "--notify", "pager:42"]) == 2
    assert "is not webhook:URL, email:ADDRESS or desktop" in capsys.readouterr().err
    with Workspace.open(ws) as w:
        w.set_alert_state("drift", ALARM, "x")
        deliver_due(w)
    assert run_cli(["alerts", "notifications", "--workspace", ws, "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["status"] == DELIVERED and row["destination"] == f"webhook:{receiver.url}"
