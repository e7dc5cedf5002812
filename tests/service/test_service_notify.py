"""The sd_notify protocol against a real NOTIFY_SOCKET (an AF_UNIX datagram socket the test binds), driven by the
real survey loop over a real video file: READY after start-up, WATCHDOG while frames flow, silence when stuck."""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
import uuid

import pytest
from helpers.walkmaker import BlobDetector, make_walk

from sousveillance.device.capture.video import VideoFileSource
from sousveillance.device.geo import profile_for
from sousveillance.device.gps.track import GpsTrack
from sousveillance.device.service.notify import NotifyObserver, SystemdNotifier
from sousveillance.device.service.status import StatusObserver, field_status
from sousveillance.device.store import Store
from sousveillance.device.survey.loop import Survey

WATCHDOG_USEC = 100_000  # 0.1 s: pings at most every 0.05 s


def _bind(address: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(address)
    return sock


@pytest.fixture
def notify_path():
    """A filesystem NOTIFY_SOCKET (short folder: AF_UNIX paths are limited to 108 bytes)."""
    folder = tempfile.mkdtemp(prefix="sv-notify-")
    path = os.path.join(folder, "notify")
    sock = _bind(path)
    yield sock, path
    sock.close()
    os.unlink(path)
    os.rmdir(folder)


def _recv(sock: socket.socket, timeout: float) -> str | None:
    sock.settimeout(timeout)
    try:
        return sock.recv(4096).decode()
    except TimeoutError:
        return None


def _drain(sock: socket.socket) -> list[str]:
    out = []
    while (msg := _recv(sock, 0.05)) is not None:
        out.append(msg)
    return out


def test_messages_reach_a_filesystem_socket(notify_path):
    sock, path = notify_path
    notifier = SystemdNotifier({"NOTIFY_SOCKET": path})
    assert notifier.ready("loading done")
    assert _recv(sock, 5) == "READY=1\nSTATUS=loading done"
    notifier.status("two\nlines")  # a STATUS= value is one line
    assert _recv(sock, 5) == "STATUS=two lines"


def test_messages_reach_an_abstract_socket():
    name = f"sousveillance-test-{uuid.uuid4().hex}"
    sock = _bind("\0" + name)
    try:
        notifier = SystemdNotifier({"NOTIFY_SOCKET": "@" + name})
        assert notifier.stopping()
        assert _recv(sock, 5) == "STOPPING=1"
    finally:
        sock.close()


def test_outside_systemd_nothing_is_sent_and_nothing_fails():
    notifier = SystemdNotifier({})
    assert not notifier.enabled and not notifier.ready() and not notifier.watchdog()
    gone = SystemdNotifier({"NOTIFY_SOCKET": "/nonexistent/notify"})  # systemd went away: the walk goes on
    assert gone.enabled and not gone.watchdog()


def test_a_watchdog_meant_for_another_process_is_ignored(notify_path):
    _, path = notify_path
    other = SystemdNotifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "100000", "WATCHDOG_PID": str(os.getpid() + 1)})
    mine = SystemdNotifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "100000", "WATCHDOG_PID": str(os.getpid())})
    assert other.watchdog_s is None and mine.watchdog_s == pytest.approx(0.1)


class StuckDetector(BlobDetector):
    """The blob detector at a camera-like pace (20 ms a frame) that hangs at one frame until released: what a
    wedged camera driver or inference call looks like from the loop."""

    def __init__(self, stick_at: int):
        self.calls = 0
        self.stick_at = stick_at
        self.stuck = threading.Event()
        self.release = threading.Event()

    def detect(self, image):
        self.calls += 1
        if self.calls == self.stick_at:
            self.stuck.set()
            self.release.wait(60)
        time.sleep(0.02)
        return super().detect(image)


class Listener:
    """Reads the notify socket continuously, as systemd does, keeping each message with its arrival time."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.messages: list[tuple[float, str]] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.is_set():
            msg = _recv(self.sock, 0.05)
            if msg is not None:
                self.messages.append((time.monotonic(), msg))

    def texts(self) -> list[str]:
        return [m for _, m in self.messages]

    def close(self) -> None:
        self._done.set()
        self._thread.join(5)


def test_watchdog_pings_flow_with_frames_and_stop_while_the_loop_is_stuck(tmp_path, notify_path):
    sock, path = notify_path
    walk = make_walk(tmp_path / "rec", frames=40, size=(160, 90), objects=1, gps=False)
    detector = StuckDetector(stick_at=25)
    env = {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": str(WATCHDOG_USEC)}
    store = Store(tmp_path / "db" / "walks.db")
    walk_id = store.start_walk(source="test")
    survey = Survey(
        VideoFileSource(walk.video),
        detector,
        store,
        walk_id,
        profile=profile_for("pi3"),
        gps_track=GpsTrack(),
        observers=[NotifyObserver(SystemdNotifier(env), status_every_s=0.2), StatusObserver(store.path)],
    )
    listener = Listener(sock)
    result: dict = {}
    before: list[str] = []
    loop = threading.Thread(target=lambda: result.setdefault("r", survey.run()), daemon=True)
    loop.start()
    try:
        assert detector.stuck.wait(120), "the loop never reached the stuck frame"
        # The loop is blocked inside detect(): whatever it sent before is read within moments.
        time.sleep(0.3)
        before = listener.texts()
        assert before[0].startswith("READY=1\n"), before[:2]
        pings = [m for m in before if m == "WATCHDOG=1"]
        assert len(pings) >= 5  # 24 frames of >= 20 ms each with a ping due every 50 ms
        assert any(m.startswith("STATUS=recording walk") for m in before[1:])
        # While stuck: not a single ping for five watchdog periods, so systemd would kill and restart us.
        time.sleep(5 * WATCHDOG_USEC / 1e6)
        assert listener.texts() == before
        # The walker's status line still shows the walk, and flags it once the status file goes stale.
        live = field_status(store.path)
        assert live["walk_id"] == walk_id and live["frames"] >= 1
        stale = field_status(store.path, now=time.time() + 60)
        assert not stale["recording"] and any("not responding" in w for w in stale["warnings"])
    finally:
        detector.release.set()
        loop.join(120)
        time.sleep(0.3)
        listener.close()
    after = listener.texts()[len(before) :]
    assert "WATCHDOG=1" in after  # the loop came back: pings resume
    assert after[-1].startswith("STOPPING=1\nSTATUS=walk")
    assert result["r"].status == "completed" and result["r"].frames == 40
    assert field_status(store.path)["state"] == "completed"
    store.close()


def test_no_watchdog_configured_sends_ready_and_status_only(tmp_path, notify_path):
    sock, path = notify_path
    walk = make_walk(tmp_path / "rec", frames=10, size=(160, 90), objects=1, gps=False)
    store = Store(tmp_path / "db" / "walks.db")
    walk_id = store.start_walk(source="test")
    observer = NotifyObserver(SystemdNotifier({"NOTIFY_SOCKET": path}))
    survey = Survey(
        VideoFileSource(walk.video),
        BlobDetector(),
        store,
        walk_id,
        profile=profile_for("pi3"),
        gps_track=GpsTrack(),
        observers=[observer],
    )
    survey.run()
    messages = _drain(sock)
    assert messages[0].startswith("READY=1") and messages[-1].startswith("STOPPING=1")
    assert "WATCHDOG=1" not in messages
    store.close()
