"""rtmp:// output: time limits through the relay (livecut.rtmprelay), signals, stream keys;
rtmp:// and rtmps:// input, from an ffmpeg server on 127.0.0.1.

A server on 127.0.0.1 (tests/rtmp_server.py) that accepts the connection and never answers,
answers the handshake and then nothing, or takes the stream and then stops reading: each
held livecut for ever (FFmpeg's RTMP output has no time limit, and is deaf to Ctrl-C).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import make_clip, script_server, stopped_from_another_thread
from livecut.rtmprelay import HANDSHAKE, ConnectRewriter
from rtmp_server import FakeRtmpServer, amf_decode, amf_encode
from rtsp_helpers import env_with_repo, ffprobe_count, free_port, require_ffmpeg

KEY = "live_s3cr3tKEY"


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("rtmp") / "clip.mp4", w=320, h=240, n=50, fps=25)


def _livecut(clip, url: str, *settings: str) -> subprocess.Popen:
    sets = [a for s in settings for a in ("--set", s)]
    return subprocess.Popen([sys.executable, "-m", "livecut", "file", str(clip), "-o", url, *sets],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env_with_repo())


def _finish(p: subprocess.Popen, timeout: float = 30) -> str:
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        pytest.fail("livecut waited for ever on an RTMP server")
    return err


def _relay_input_closed(p: subprocess.Popen) -> bool | None:
    """Whether livecut (``p``) has closed its RTMP relay's input, as it does once FFmpeg has sent
    the stream's end, then waits for the relay to send the rest (RtmpRelay.close); None where
    /proc does not tell (not Linux, no relay)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) != p.pid:
                continue
            if b"livecut.rtmprelay" not in (stat.parent / "cmdline").read_bytes():
                continue
            pipe = os.readlink(stat.parent / "fd" / "0")
        except (OSError, ValueError, IndexError):
            continue
        held = []
        for fd in Path(f"/proc/{p.pid}/fd").iterdir():
            try:
                held.append(os.readlink(fd))
            except OSError:  # (closed meanwhile)
                pass
        return pipe not in held
    return None


def _sending_held(port: int) -> bool | None:
    """Whether a connection to 127.0.0.1:``port`` (the relay's, to the server) holds bytes the
    server has not taken (its send queue in /proc/net/tcp); None where /proc does not tell."""
    try:
        lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if int(fields[2].split(":")[1], 16) == port and int(fields[4].split(":")[0], 16) > 0:
            return True
    return False


def _error_line(err: str) -> str:
    assert "Traceback" not in err and KEY not in err, err
    errors = [ln for ln in err.splitlines() if ln.startswith("livecut: error:")]
    assert len(errors) == 1, err
    return errors[0]


def test_a_server_that_never_answers_is_given_up_after_the_open_timeout(clip):
    with FakeRtmpServer("silent") as srv:  # (the kernel accepts; nobody reads or answers)
        t0 = time.monotonic()
        p = _livecut(clip, f"rtmp://pub:pw123@127.0.0.1:{srv.port}/live/{KEY}", "video.open_timeout=1.5")
        err = _finish(p)
        took = time.monotonic() - t0
    assert p.returncode == 1, err
    line = _error_line(err)
    # (said as rtsp://, tcp:// and the inputs say it: it was "cannot start the stream: no answer ...")
    assert line.endswith("/live/***: no answer within 1.5 s") and "pw123" not in err, line
    assert took < 15


def test_a_server_that_answers_the_handshake_and_then_nothing_is_given_up(clip):
    with FakeRtmpServer("handshake") as srv:
        p = _livecut(clip, f"rtmp://127.0.0.1:{srv.port}/live/{KEY}", "video.open_timeout=1.5")
        err = _finish(p)
        assert srv.handshaken.is_set()
    assert p.returncode == 1, err
    assert "did not take the stream within 1.5 s" in _error_line(err)


def test_a_server_that_stops_reading_mid_stream_ends_the_run(clip):
    """The stream starts; then the server takes nothing more (hung, kill -STOP): the run ends
    after video.read_timeout without progress, with one line and exit 1."""
    with FakeRtmpServer("stall", stall_after=20_000) as srv:
        p = _livecut(clip, f"rtmp://127.0.0.1:{srv.port}/live/{KEY}", "video.open_timeout=5",
                     "video.read_timeout=1")
        assert srv.stalled.wait(30), "the stream never started"
        t0 = time.monotonic()
        err = _finish(p)
        took = time.monotonic() - t0
        assert srv.published == KEY
    assert p.returncode == 1, err
    assert "the server took no data for 1 s" in _error_line(err)
    assert took < 12  # (the buffers on the way fill, then 1 s without progress)


@pytest.mark.parametrize("sig, code, said", [(signal.SIGTERM, 143, "stopped by SIGTERM"),
                                             (signal.SIGINT, 130, "interrupted")])
def test_a_signal_while_the_server_does_not_answer_ends_the_run_at_once(clip, sig, code, said):
    """FFmpeg holds the GIL while it publishes: the signal reached Python only when the
    server answered -- never, for this one.  The line says that nothing reached the server and
    why, as tcp:// and srt:// say it (it said only 'interrupted')."""
    with FakeRtmpServer("handshake") as srv:
        p = _livecut(clip, f"rtmp://127.0.0.1:{srv.port}/live/{KEY}", "video.open_timeout=60")
        assert srv.handshaken.wait(30)
        time.sleep(0.3)
        t0 = time.monotonic()
        p.send_signal(sig)
        err = _finish(p)
        took = time.monotonic() - t0
    assert p.returncode == code, err
    assert _error_line(err) == (f"livecut: error: {said} (nothing reached rtmp://127.0.0.1:{srv.port}/live/***: "
                                "the server answered but did not take the stream)"), err
    assert KEY not in err
    assert took < 5


def test_a_signal_while_the_server_stalls_mid_stream_ends_the_run_at_once(clip):
    with FakeRtmpServer("stall", stall_after=20_000) as srv:
        p = _livecut(clip, f"rtmp://127.0.0.1:{srv.port}/live/{KEY}", "video.open_timeout=60",
                     "video.read_timeout=60")
        assert srv.stalled.wait(30), "the stream never started"
        time.sleep(0.5)
        t0 = time.monotonic()
        p.send_signal(signal.SIGTERM)
        err = _finish(p)
        took = time.monotonic() - t0
    assert p.returncode == 143, err
    assert "stopped by SIGTERM" in _error_line(err)
    assert took < 6


def test_a_signal_while_the_server_stalls_says_the_stream_was_not_finished_in_one_line(tmp_path):
    """Stopped by a signal while the server takes nothing: the stream's end cannot be sent.
    It said so in a line of its own, then 'finalized with N frames' as if the stream had
    been finished; one line now says it could not be, and why."""
    clip = make_clip(tmp_path / "long.mp4", w=320, h=240, n=250, fps=25)  # (10 s, paced: mid-stream)
    with FakeRtmpServer("stall", stall_after=20_000) as srv:
        p = _livecut(clip, f"rtmp://127.0.0.1:{srv.port}/live/{KEY}", "video.open_timeout=60",
                     "video.read_timeout=60")
        assert srv.stalled.wait(30), "the stream never started"
        # (once the server holds the relay back, bytes it does not take: a fixed 0.5 s from the
        # stall, before, where a loaded machine had written 2 frames of the 50-frame clip, which
        # the buffers on the way held whole -- 'finalized with 2 frames', rightly)
        if _sending_held(srv.port) is None:
            time.sleep(0.5)
        deadline, since = time.monotonic() + 30, None  # (held for 0.5 s: not bytes on their way)
        while p.poll() is None and time.monotonic() < deadline:
            if not _sending_held(srv.port):
                since = None
            elif since is None:
                since = time.monotonic()
            elif time.monotonic() - since >= 0.5:
                break
            time.sleep(0.02)
        p.send_signal(signal.SIGINT)
        err = _finish(p)
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("livecut: streaming to")]
    assert p.returncode == 130 and lines == [_error_line(err)], err
    assert "could not be finished: the server took no data" in lines[0] and "finalized" not in lines[0], err



@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_while_a_stalled_server_is_sent_a_short_files_end_ends_the_run_at_once(tmp_path, sig, code):
    """A clip all read and written (the run sends the stream's end, which the server, stalled,
    does not take): a signal then waited for the relay's stall timeout, video.read_timeout (the
    relay's output, read by a thread, could not be closed under it), 20 s here; it ends at once,
    and says the stream was left unfinished (it said only 'interrupted', where a signal while the
    frames were written says it, and srt:// says what reached its peer)."""
    short = make_clip(tmp_path / "short.mp4", w=320, h=240, n=5, fps=25)
    with FakeRtmpServer("stall", stall_after=2000) as srv:
        p = _livecut(short, f"rtmp://127.0.0.1:{srv.port}/live/{KEY}", "video.read_timeout=20")
        assert srv.stalled.wait(30), "the stream never started"
        # (the clip's frames written: the run waits for the relay to send the rest, its input
        # closed.  A fixed 1.5 s from the stall, before, which a loaded machine may spend
        # processing and encoding the clip's last frames: a signal then is one mid-stream)
        if _relay_input_closed(p) is None:
            time.sleep(1.5)
        deadline = time.monotonic() + 60
        while not _relay_input_closed(p) and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _relay_input_closed(p) is not False, "the run never sent the stream's end"
        assert p.poll() is None
        t0 = time.monotonic()
        p.send_signal(sig)
        err = _finish(p)
        took = time.monotonic() - t0
    assert p.returncode == code, err
    stop = "interrupted" if sig == signal.SIGINT else "stopped by SIGTERM"
    assert _error_line(err) == (f"livecut: error: {stop} (rtmp://127.0.0.1:{srv.port}/live/*** could not be "
                                "finished: the server did not take the rest)"), err
    assert took < 3, took   # (20 s before: the stall timeout)


def test_publishing_through_the_relay_names_the_real_server(clip):
    """The server sees what FFmpeg itself would have sent: the tcUrl names it (not the
    relay's port), the key is the one given; the stream arrives and ends cleanly.  (The
    server runs in this process, livecut in another: FFmpeg holds the GIL while it opens.)"""
    with FakeRtmpServer("ok") as srv:
        p = _livecut(clip, f"rtmp://127.0.0.1:{srv.port}/live/{KEY}", "video.open_timeout=10")
        err = _finish(p, 60)
        assert srv.ended.wait(10)
        assert srv.connect.get("tcUrl") == f"rtmp://127.0.0.1:{srv.port}/live", srv.connect
        assert srv.connect["app"] == "live" and srv.published == KEY
        assert srv.media > 50 * 100
    assert p.returncode == 0, err
    assert KEY not in err and "/live/***" in err


class _RefusingRtmpServer(FakeRtmpServer):
    """Refuses the publish as servers do a stream key they do not know: an onStatus of level
    "error" (NetStream.Publish.BadName), its description naming the key."""

    def _command(self, conn, values) -> None:
        if values[0] != "publish":
            return super()._command(conn, values)
        self._send(conn, 5, 20, 1, amf_encode("onStatus", 0, None, {
            "level": "error", "code": "NetStream.Publish.BadName", "description": f"stream key {values[3]} is not known"}))


def test_a_servers_refusal_of_the_publish_is_said_in_its_words(clip):
    """A server that refuses the stream (a wrong stream key): "cannot start the stream: Operation
    not permitted", FFmpeg's words, was all that was said; now the server's, its key hidden."""
    with _RefusingRtmpServer("ok") as srv:
        p = _livecut(clip, f"rtmp://127.0.0.1:{srv.port}/live/{KEY}", "video.open_timeout=10")
        err = _finish(p, 60)
    assert p.returncode == 1, err
    assert _error_line(err).endswith("cannot start the stream: the server refused the stream: "
                                     "stream key *** is not known"), err


#: _RefusingRtmpServer in a process of its own (FFmpeg holds the GIL while it publishes): it says its port
_REFUSING_RTMP = f"""
import sys, time
sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
from rtmp_server import FakeRtmpServer, amf_encode

class Refusing(FakeRtmpServer):
    def _command(self, conn, values):
        if values[0] != "publish":
            return super()._command(conn, values)
        self._send(conn, 5, 20, 1, amf_encode("onStatus", 0, None, {{
            "level": "error", "code": "NetStream.Publish.BadName", "description": f"stream key {{values[3]}} is not known"}}))

srv = Refusing("ok")
print(srv.port, flush=True)
time.sleep(120)
"""


def test_a_servers_refusal_of_the_publish_names_no_key_to_a_library_user():
    """The refusal as an application calling the library gets it (no CLI, no stderr filter): the
    server's words name the key; the error says neither it nor the password."""
    from livecut.config import VideoConfig
    from livecut.errors import VideoWriteError
    from livecut.sinks import SinkInfo, open_sink

    with script_server(_REFUSING_RTMP) as port:
        sink = open_sink(f"rtmp://bob:Pa55w0rdX@127.0.0.1:{port}/live/{KEY}", SinkInfo(320, 240, 25.0),
                         VideoConfig(open_timeout=10))
        with pytest.raises(VideoWriteError) as info:
            sink.open()
    said = str(info.value)
    assert said.endswith("cannot start the stream: the server refused the stream: stream key *** is not known"), said
    assert KEY not in said and "Pa55w0rdX" not in said, said


#: Facebook's stream URL, as its Live API gives it: the key is the ID with a query whose a= signs it
FB_QUERY = "?s_l=1&s_sw=0&s_vt=api-s&a=AbxrzdR83iKs3cr3t"


@pytest.mark.parametrize("server", [FakeRtmpServer, _RefusingRtmpServer])
def test_an_rtmp_keys_query_is_hidden_with_it(clip, server):
    """FFmpeg sends an RTMP URL's query with the stream key, as its name (Facebook's
    rtmps://HOST:443/rtmp/ID?s_l=1&s_sw=0&s_vt=api-s&a=TOKEN): 'livecut file in.mp4 -o URL' showed
    the query, its a= token, in 'streaming to ...', the summary and the error line, after
    'rtmp/***'; a server's refusal naming the key said the query too.  It is hidden with the key."""
    with server("ok") as srv:
        p = _livecut(clip, f"rtmp://127.0.0.1:{srv.port}/rtmp/{KEY}{FB_QUERY}", "video.open_timeout=10")
        err = _finish(p, 60)
        if server is FakeRtmpServer:  # (the refusing one names what it got: "stream key ID?... is not known")
            assert srv.ended.wait(10) and srv.published == KEY + FB_QUERY
    assert "AbxrzdR83iK" not in err and "s_vt" not in err and KEY not in err, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    if server is FakeRtmpServer:
        assert lines[0] == f"livecut: streaming to rtmp://127.0.0.1:{srv.port}/rtmp/***: flv h264 320x240 @ 25 fps", err
        assert p.returncode == 0 and lines[-1].startswith(f"{clip} -> rtmp://127.0.0.1:{srv.port}/rtmp/***: 50 frames"), err
    else:
        assert p.returncode == 1 and _error_line(err).endswith("the server refused the stream: stream key *** is not known"), err


def test_a_key_after_the_applications_query_is_hidden(clip):
    """FFmpeg's RTMP application ends at the first / after the host's, a ?query in it: YouTube's
    backup server, rtmp://b.rtmp.youtube.com/live2?backup=1, with the key after it
    (.../live2?backup=1/KEY, as encoders write it): 'livecut file in.mp4 -o URL' showed the key in
    full in 'streaming to ...' and the summary.  It is hidden: '.../live2?backup=1/***'."""
    with FakeRtmpServer("ok") as srv:
        p = _livecut(clip, f"rtmp://127.0.0.1:{srv.port}/live2?backup=1/{KEY}", "video.open_timeout=10")
        err = _finish(p, 60)
        assert srv.ended.wait(10) and srv.published == KEY and srv.connect["app"] == "live2?backup=1"
    lines = [ln for ln in err.splitlines() if ln.strip()]
    shown = f"rtmp://127.0.0.1:{srv.port}/live2?backup=1/***"
    assert p.returncode == 0 and KEY not in err, err
    assert lines[0].startswith(f"livecut: streaming to {shown}: ") and lines[-1].startswith(f"{clip} -> {shown}: "), err


def test_a_stream_key_with_a_space_is_refused_not_published_cut(clip):
    """FFmpeg's RTMP client ends the address at its first space (librtmp's options follow it)
    and sends %20 as written: 'livecut file in.mp4 -o "rtmp://HOST/live/s3cr3t KEY"' published
    the key "s3cr3t", another stream, and said it succeeded.  It is refused before anything
    is sent, exit 2, the key in no message; a space the address ends with is left out."""
    with FakeRtmpServer("ok") as srv:
        p = _livecut(clip, f"rtmp://127.0.0.1:{srv.port}/live/{KEY} part2", "video.open_timeout=10")
        err = _finish(p, 60)
        assert not srv.connect and srv.published is None
    assert p.returncode == 2, err
    assert "part2" not in err and _error_line(err) == (
        f"livecut: error: rtmp://127.0.0.1:{srv.port}/live/***: FFmpeg's RTMP client cannot send a space in "
        "the application or stream key (it ends the address there, and sends %20 as written)"), err
    with FakeRtmpServer("ok") as srv:  # (pasted with a space after it: the key FFmpeg sends is the one meant)
        p = _livecut(clip, f"rtmp://127.0.0.1:{srv.port}/live/{KEY} ", "video.open_timeout=10")
        err = _finish(p, 60)
        assert srv.ended.wait(10) and srv.published == KEY
    assert p.returncode == 0 and KEY not in err and "Traceback" not in err, err


def test_a_stream_key_longer_than_ffmpeg_sends_is_refused_not_published_cut(clip):
    """FFmpeg's RTMP client reads the address after the server into 1024 bytes: a key (a
    token in its query) that makes it longer was published cut to its first 1017 characters
    after /live/, another stream, and the run said it succeeded.  It is refused before anything
    is sent, exit 2, the key in no message; one that fits is published whole."""
    longest = KEY + "x" * (1023 - len("/live/") - len(KEY))
    with FakeRtmpServer("ok") as srv:
        p = _livecut(clip, f"rtmp://127.0.0.1:{srv.port}/live/{longest}y", "video.open_timeout=10")
        err = _finish(p, 60)
        assert not srv.connect and srv.published is None
    assert p.returncode == 2 and "xxx" not in err, err
    assert _error_line(err) == (f"livecut: error: rtmp://127.0.0.1:{srv.port}/live/***: the address after the "
                                "server is 1024 bytes long: FFmpeg's RTMP client sends at most 1023 of it (it cuts "
                                "the stream key)"), err
    with FakeRtmpServer("ok") as srv:
        p = _livecut(clip, f"rtmp://127.0.0.1:{srv.port}/live/{longest}", "video.open_timeout=10")
        err = _finish(p, 60)
        assert srv.ended.wait(10) and srv.published == longest
    assert p.returncode == 0 and KEY not in err, err


def test_a_stream_key_that_is_a_word_leaves_the_longer_words_holding_it_whole(clip):
    """A stream key hidden where it stands bare in a message was hidden inside longer words too:
    'livecut file in.mp4 -o rtmp://HOST/live/stream' said 'livecut: ***ing to rtmp://HOST/live/***'
    (an SRT 'streamid=publish:live/stream' '?***id=publish:live/***'); a key as a word of its own,
    in a server's or FFmpeg's words, is still hidden."""
    from livecut.urls import hide_secrets

    with FakeRtmpServer("ok") as srv:
        p = _livecut(clip, f"rtmp://127.0.0.1:{srv.port}/live/stream", "video.open_timeout=10")
        err = _finish(p, 60)
        assert srv.ended.wait(10) and srv.published == "stream"
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert p.returncode == 0 and lines[0].startswith(f"livecut: streaming to rtmp://127.0.0.1:{srv.port}/live/***: "), err
    assert hide_secrets("srt://h:1?streamid=publish:live/stream: the streaming failed: stream refused",
                        ["stream"]) == "srt://h:1?streamid=publish:live/***: the streaming failed: *** refused"
    assert hide_secrets("key=s3cr3t, 's3cr3t_x' (s3cr3t) src%3Dbob%3As3cr3t%40cam",
                        ["s3cr3t"]) == "key=***, '***_x' (***) src%3Dbob%3A***%40cam"


def test_a_stream_key_that_is_a_word_leaves_livecuts_own_words_whole(clip):
    """A stream key that is a word of livecut's own messages was hidden where that word stood in
    them: 'livecut file in.mp4 -o rtmp://HOST/live/stream' (nothing listening) said 'cannot start
    the ***: Connection refused' (an SRT output's 'finishing the *** failed').  livecut's words stay
    whole; the key is hidden where it stands as one: in the URL, after a / or =, quoted."""
    from livecut.urls import scrub_message

    p = _livecut(clip, f"rtmp://127.0.0.1:{free_port()}/live/stream", "video.open_timeout=5")
    err = _finish(p, 60)
    line = _error_line(err)
    assert p.returncode == 1 and "/live/***: cannot start the stream: " in line and line.count("***") == 1, err
    said = "livecut: error: rtmp://h/live/stream: the stream failed: stream 'stream' not found (/live/stream, app=stream)"
    assert scrub_message(said, ["stream"]) == \
        "livecut: error: rtmp://h/live/***: the stream failed: stream '***' not found (/live/***, app=***)"
    # (a key that is no word of livecut's is hidden wherever it stands)
    assert scrub_message("livecut: error: the server said: key qwhdkzpbtx refused", ["qwhdkzpbtx"]) == \
        "livecut: error: the server said: key *** refused"


class _ClosingRtmpServer(FakeRtmpServer):
    """Closes the connection at the publish, as nginx-rtmp does a stream its on_publish refuses."""

    def _command(self, conn, values) -> None:
        if values[0] != "publish":
            return super()._command(conn, values)
        conn.shutdown(socket.SHUT_RDWR)


def test_a_server_that_spoke_rtmp_and_closed_is_not_asked_whether_it_speaks_tls(clip):
    """A server that answered in RTMP and closed the connection at the publish was then asked
    for a TLS handshake (is it an rtmps:// one?), which such a server leaves unanswered: the
    run's one line came up to 5 s later.  Only a server that said nothing in RTMP is asked."""
    with _ClosingRtmpServer("ok") as srv:
        p = _livecut(clip, f"rtmp://127.0.0.1:{srv.port}/live/{KEY}", "video.open_timeout=10")
        err = _finish(p, 60)
        connections = len(srv._conns)
    assert p.returncode == 1 and _error_line(err).endswith("cannot start the stream: the server closed the connection"), err
    assert connections == 1, connections


def test_a_refused_connection_fails_at_once(clip):
    with FakeRtmpServer("silent") as srv:
        port = srv.port
    t0 = time.monotonic()
    p = _livecut(clip, f"rtmp://127.0.0.1:{port}/live/{KEY}", "video.open_timeout=30")
    err = _finish(p)
    assert p.returncode == 1 and "Connection refused" in _error_line(err)
    assert time.monotonic() - t0 < 15


def test_a_server_name_that_is_no_host_name_fails_at_once(clip):
    """The relay's connect thread died of the UnicodeError IDNA raises for "a..b" without a
    result: the relay waited the whole open timeout and said "no answer within 20 s"."""
    t0 = time.monotonic()
    p = _livecut(clip, f"rtmp://a..b/live/{KEY}", "video.open_timeout=20")
    err = _finish(p)
    assert p.returncode == 1 and "not a valid host name" in _error_line(err)
    assert time.monotonic() - t0 < 10


@pytest.mark.parametrize("scheme", ["rtmp", "rtmps", "rtsp"])
def test_a_server_name_with_a_space_is_said_as_a_name_that_is_not_known(clip, scheme):
    """The relay read its server as the words of a line: a name with a space (a URL pasted
    with one, rtmp://my host/live/KEY) made four of them, the relay died at its start, and
    the run said 'cannot start the stream: the RTMP relay did not start' (an rtsp:// output
    too).  The name is looked up, and its failure said as tcp:// and udp:// say it."""
    path = f"live/{KEY}" if scheme.startswith("rtmp") else "live/stream"  # (an rtsp:// path is shown)
    p = _livecut(clip, f"{scheme}://my host/{path}", "video.open_timeout=10")
    err = _finish(p)
    line = _error_line(err)
    assert p.returncode == 1 and "relay" not in line, err
    assert re.search(r": cannot start the stream: (no host is known by the name|the host name) my host", line), err


# ---------------------------------------------------------------- rtmp:// and rtmps:// input

def _tls_front(port: int, upstream: int, tmp_path) -> threading.Thread:
    """A TLS server on ``port`` (a self-signed certificate for 127.0.0.1, tmp_path/cert.pem:
    trusted where SSL_CERT_FILE names it) passing one connection's bytes to and from
    127.0.0.1:``upstream`` (waited for while it does not listen yet)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=30)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    lsock = socket.create_server(("127.0.0.1", port))
    lsock.settimeout(120)  # (livecut's start: over 15 s on a loaded machine)

    def pump(a, b) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def serve() -> None:
        with lsock:
            try:
                conn = ctx.wrap_socket(lsock.accept()[0], server_side=True)
            except OSError:
                return
            deadline = time.monotonic() + 15
            while True:
                try:
                    up = socket.create_connection(("127.0.0.1", upstream), timeout=10)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        conn.close()
                        return
                    time.sleep(0.1)
            up.settimeout(None)
            conn.settimeout(None)
            threading.Thread(target=pump, args=(up, conn), daemon=True).start()
            pump(conn, up)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return t


@pytest.mark.parametrize("scheme", ["rtmp", "rtmps"])
def test_an_rtmp_stream_is_read_from_the_cli(tmp_path, scheme):
    """`livecut run rtmp://host/app/KEY` (and rtmps://) reads a live RTMP stream: an ffmpeg
    server on 127.0.0.1 (-listen 1) plays it to the first client; rtmps:// reaches it
    through a TLS front, whose certificate SSL_CERT_FILE names (checked: see
    test_tls_input.py). The key is never shown."""
    require_ffmpeg()
    port = free_port()
    env = env_with_repo()
    if scheme == "rtmps":
        front = free_port()
        _tls_front(front, port, tmp_path)
        env["SSL_CERT_FILE"] = str(tmp_path / "cert.pem")
    url = f"{scheme}://127.0.0.1:{front if scheme == 'rtmps' else port}/live/{KEY}"
    # (30 s of stream, killed once read: 4 s ended, on a loaded machine, before livecut had
    # processed its 20 frames -- 'lost (Input/output error); reconnecting', to a server that
    # was gone, until the run's 60 s were up)
    srv = subprocess.Popen(["ffmpeg", "-v", "error", "-re", "-f", "lavfi", "-i",
                            "testsrc2=size=320x240:rate=25", "-t", "30", "-c:v", "libx264", "-g", "25",
                            "-f", "flv", "-listen", "1", f"rtmp://127.0.0.1:{port}/live/{KEY}"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = tmp_path / "out.mp4"
    try:
        deadline = time.monotonic() + 20
        while True:  # (until the server listens)
            r = subprocess.run([sys.executable, "-m", "livecut", "run", url, "-o", str(out), "-f",
                                "--frames", "20", "--set", "video.open_timeout=10"],
                               capture_output=True, text=True, timeout=60, env=env)
            if r.returncode == 0 or time.monotonic() > deadline or "refused" not in r.stderr:
                break
            time.sleep(0.3)
    finally:
        srv.kill()
        srv.wait()
    assert r.returncode == 0, r.stderr
    assert KEY not in r.stderr and f"{scheme}://127.0.0.1:" in r.stderr and "/live/***" in r.stderr
    got = ffprobe_count([str(out)])
    assert (got["codec_name"], got["width"], got["height"]) == ("h264", 320, 240)
    assert int(got["nb_read_frames"]) == 20


def test_a_refused_rtmp_input_is_one_line_without_the_key(tmp_path):
    port = free_port()
    r = subprocess.run([sys.executable, "-m", "livecut", "run", f"rtmp://pub:pw123@127.0.0.1:{port}/live/{KEY}",
                        "-o", str(tmp_path / "out.mp4")],
                       capture_output=True, text=True, timeout=60, env=env_with_repo())
    assert r.returncode == 2, r.stderr
    assert _error_line(r.stderr) == (f"livecut: error: rtmp://***@127.0.0.1:{port}/live/***: "
                                     "cannot open the stream: Connection refused")
    assert "pw123" not in r.stderr


@pytest.mark.parametrize("trusted", [True, False, "unchecked"], ids=["trusted", "self-signed", "unchecked"])
def test_publishing_to_rtmps_through_the_relay(clip, tmp_path, trusted):
    """rtmps:// output: the relay speaks TLS to the server and checks its certificate. Trusted
    (SSL_CERT_FILE names it), every frame arrives at an ffmpeg server behind a TLS front;
    self-signed and not trusted, the run ends with one line and exit 1 that names the opt-out,
    the key unshown;
    with video.tls_verify = false (which had applied to inputs only) it is published to."""
    require_ffmpeg()
    port, front = free_port(), free_port()
    _tls_front(front, port, tmp_path)
    env = env_with_repo()
    env.pop("SSL_CERT_FILE", None)
    env.pop("SSL_CERT_DIR", None)
    if trusted is True:
        env["SSL_CERT_FILE"] = str(tmp_path / "cert.pem")
    got = tmp_path / "got.flv"
    rx = subprocess.Popen(["ffmpeg", "-v", "error", "-y", "-listen", "1",
                           "-i", f"rtmp://127.0.0.1:{port}/live/{KEY}", "-c", "copy", str(got)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        p = subprocess.Popen([sys.executable, "-m", "livecut", "file", str(clip), "-o",
                              f"rtmps://127.0.0.1:{front}/live/{KEY}", "--no-pace",
                              "--set", "video.open_timeout=10"]
                             + (["--set", "video.tls_verify=false"] if trusted == "unchecked" else []),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        err = _finish(p, 60)
        if trusted:
            _, rx_err = rx.communicate(timeout=20)
    finally:
        rx.kill()
        rx.wait()
    assert KEY not in err, err
    if not trusted:
        assert p.returncode == 1, err
        line = _error_line(err)
        assert "certificate verify failed" in line and "/live/***" in line, err
        # (the opt-out named, as a TLS input's refusal names it)
        assert line.endswith("(a server with a self-signed certificate: --set video.tls_verify=false)"), line
        return
    assert p.returncode == 0, err
    assert "rtmps://127.0.0.1:" in err and "/live/***" in err
    info = ffprobe_count([str(got)])
    assert (info["codec_name"], info["width"], info["height"]) == ("h264", 320, 240), rx_err
    assert int(info["nb_read_frames"]) == 50


# ---------------------------------------------------------------- the connect command's tcUrl

def _chunk(fmt: int, csid: int, payload: bytes, *, ts: int = 0, length: int = 0, mtype: int = 20,
           msid: int = 0, size: int = 128) -> bytes:
    """One message as FFmpeg writes it: header ``fmt``, continuation chunks of ``size``."""
    head = bytes([(fmt << 6) | csid])
    if fmt <= 2:
        head += ts.to_bytes(3, "big")
    if fmt <= 1:
        head += (length or len(payload)).to_bytes(3, "big") + bytes([mtype])
    if fmt == 0:
        head += msid.to_bytes(4, "little")
    out = bytearray(head)
    for k in range(0, len(payload), size):
        if k:
            out.append(0xC0 | csid)
        out += payload[k:k + size]
    return bytes(out)


def _messages(stream: bytes) -> list[tuple[int, int, bytes]]:
    """(csid, type, payload) of each message of a client's chunk stream (chunks of 128)."""
    out, st, i = [], {}, 0
    while i < len(stream):
        fmt, csid = stream[i] >> 6, stream[i] & 63
        i += 1
        s = st.setdefault(csid, {"len": 0, "type": 0, "left": 0, "data": b""})
        h = stream[i:i + (11, 7, 3, 0)[fmt]]
        i += len(h)
        if fmt <= 1:
            s["len"], s["type"] = int.from_bytes(h[3:6], "big"), h[6]
        if s["left"] == 0:
            s["left"], s["data"] = s["len"], b""
        n = min(128, s["left"])
        s["data"] += stream[i:i + n]
        i += n
        s["left"] -= n
        if not s["left"]:
            out.append((csid, s["type"], s["data"]))
    return out


def test_the_connect_names_the_real_server_and_the_stream_stays_readable():
    local, real = "rtmp://127.0.0.1:40001", "rtmps://live.example.com:443"
    connect = amf_encode("connect", 1, {"app": "app", "type": "nonprivate", "flashVer": "FMLE/3.0 (x)",
                                        "tcUrl": local + "/app"})
    # the next command has the connect's size and type: FFmpeg sends it with a header that
    # leaves the length out (fmt 2) -- the server must not read it with the new length
    same = amf_encode("releaseStream", 2, None, "k" * (len(connect) - 30))
    same += b"\x05" * (len(connect) - len(same))
    assert len(same) == len(connect)
    after = amf_encode("createStream", 4, None)
    client = (bytes(range(256)) * 13)[:HANDSHAKE] + _chunk(0, 3, connect) + _chunk(2, 3, same) + \
        _chunk(1, 3, after) + _chunk(0, 8, b"\x17\x01" + bytes(300), mtype=9, msid=1)
    rw = ConnectRewriter(local, real)
    out = b"".join(rw.feed(client[k:k + 7]) for k in range(0, len(client), 7))  # (any pieces)
    assert out[:HANDSHAKE] == client[:HANDSHAKE]
    msgs = _messages(out[HANDSHAKE:])
    assert [m[:2] for m in msgs] == [(3, 20), (3, 20), (3, 20), (8, 9)]
    assert amf_decode(msgs[0][2])[2]["tcUrl"] == real + "/app"
    assert msgs[1][2] == same and msgs[2][2] == after and msgs[3][2] == b"\x17\x01" + bytes(300)
    assert rw.state == "pass"


def test_a_connect_that_is_not_ffmpegs_passes_unchanged():
    local = "rtmp://127.0.0.1:40001"
    connect = amf_encode("connect", 1, {"app": "app", "tcUrl": "rtmp://elsewhere:1935/app"})
    client = bytes(HANDSHAKE) + _chunk(0, 3, connect) + _chunk(0, 3, amf_encode("createStream", 2, None))
    assert ConnectRewriter(local, "rtmp://h:1935").feed(client) == client


# ---------------------------------------------------------------- the relay process

def test_ctrl_c_while_the_relay_starts_leaves_no_process_or_pipe(monkeypatch):
    """A KeyboardInterrupt while RtmpRelay waited for the relay's port left the relay process
    running and the signal pipe's write end open (an fd of no object: never closed)."""
    import os

    from livecut import rtmprelay

    started = []
    real_popen = subprocess.Popen

    class _Interrupted:
        def __init__(self, stream):
            self._stream = stream

        def readline(self):
            raise KeyboardInterrupt

        def __getattr__(self, name):
            return getattr(self._stream, name)

    def popen(*a, **kw):
        p = real_popen(*a, **kw)
        p.stdout = _Interrupted(p.stdout)
        started.append(p)
        return p

    monkeypatch.setattr(rtmprelay.subprocess, "Popen", popen)
    opened = []
    real_pipe = os.pipe

    def pipe():
        fds = real_pipe()
        opened.extend(fds)
        return fds

    monkeypatch.setattr(rtmprelay.os, "pipe", pipe)
    with pytest.raises(KeyboardInterrupt):
        rtmprelay.RtmpRelay("rtmp://127.0.0.1:1/live/key", 5.0, 5.0)
    assert started and started[0].poll() is not None, "the relay is still running"
    for fd in opened:
        with pytest.raises(OSError):
            os.fstat(fd)


@pytest.mark.skipif(os.name != "posix", reason="a shell script stands in for the relay")
def test_a_relay_that_starts_but_never_says_its_port_fails_the_open_in_time(tmp_path, monkeypatch):
    """A relay process that started but never printed its port (a Python that hung in its
    start-up) held the open in readline for as long as it lived (60 s here), whatever the
    open timeout; it is given the open timeout (5 s at least), then ended, and the open fails
    saying so."""
    import numpy as np

    from livecut.config import VideoConfig
    from livecut.errors import VideoWriteError
    from livecut.sinks import SinkInfo, open_sink

    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\nexec sleep 60\n")
    fake.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(fake))
    sink = open_sink(f"rtmp://127.0.0.1:1/live/{KEY}", SinkInfo(160, 120, 25.0), VideoConfig(open_timeout=1),
                     pace=False)
    t0 = time.monotonic()
    with pytest.raises(VideoWriteError) as err:
        with sink:
            sink.write(np.zeros((120, 160, 3), np.uint8))
    took = time.monotonic() - t0
    assert took < 10, took
    assert str(err.value).endswith("cannot start the stream: the RTMP relay started but did not say its port "
                                   "within 5 s"), err.value
    assert KEY not in str(err.value)


@pytest.mark.parametrize("scheme", ["rtmp", "rtsp"])
def test_a_cancel_while_a_publish_connects_says_it_was_cancelled(scheme):
    """cancel() from another thread while an rtmp:// or rtsp:// output waited for a silent
    server ended the open at once, but said 'no answer within 10 s' (for a wait of 1 s)."""
    import numpy as np

    from livecut.config import VideoConfig
    from livecut.errors import VideoWriteError
    from livecut.sinks import SinkInfo, open_sink

    with FakeRtmpServer("silent") as srv:  # (the kernel accepts; nobody reads or answers)
        sink = open_sink(f"{scheme}://127.0.0.1:{srv.port}/live/{KEY}", SinkInfo(160, 120, 25.0),
                         VideoConfig(open_timeout=10), pace=False)

        def work() -> None:
            with sink:
                sink.write(np.zeros((120, 160, 3), np.uint8))

        took, said = stopped_from_another_thread(work, sink.cancel, VideoWriteError)
    assert took < 3, took
    assert said and said[0].endswith("cancelled while connecting"), said
    assert scheme == "rtsp" or KEY not in said[0]  # (an RTMP stream key is hidden)


def test_a_cancel_while_an_rtmp_output_sends_the_rest_ends_it_at_once(tmp_path):
    """cancel() (thread-safe: 'for a pipeline that must end, a server that takes no data')
    while close() waited for a server that stopped reading to take the rest did nothing:
    close had taken the relay out of the sink's reach and waited out its stall limit (6.5 s
    more here), then said 'the server took no data for 8 s'; it ends at once, saying it
    was cancelled."""
    import numpy as np

    from livecut.config import VideoConfig
    from livecut.errors import VideoWriteError
    from livecut.sinks import SinkInfo, open_sink

    # (the server in a process of its own: FFmpeg's publish holds this one's GIL)
    env = env_with_repo()
    env["PYTHONPATH"] = str(Path(__file__).parent) + os.pathsep + env["PYTHONPATH"]
    server = subprocess.Popen(
        [sys.executable, "-c", "import sys; from rtmp_server import FakeRtmpServer\n"
         "with FakeRtmpServer('stall', stall_after=20_000) as srv:\n"
         "    print(srv.port, flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=str(tmp_path))
    try:
        port = int(server.stdout.readline())
        rng = np.random.default_rng(0)
        frames = [rng.integers(0, 256, (240, 320, 3), np.uint8) for _ in range(20)]
        sink = open_sink(f"rtmp://127.0.0.1:{port}/live/{KEY}", SinkInfo(320, 240, 25.0),
                         VideoConfig(open_timeout=10, read_timeout=8), pace=False)
        said: list[str] = []
        written = threading.Event()

        def work() -> None:
            try:
                with sink:
                    for frame in frames:
                        sink.write(frame)
                    written.set()  # (closing: the relay holds what the server does not take)
            except VideoWriteError as exc:
                said.append(str(exc))

        worker = threading.Thread(target=work, daemon=True)
        worker.start()
        assert written.wait(30), said
        time.sleep(1.0)
        t0 = time.monotonic()
        sink.cancel()
        worker.join(20)
        took = time.monotonic() - t0
    finally:
        server.stdin.close()
        server.wait(10)
    assert took < 3, took
    assert said and said[0].endswith("cancelled: the server did not take the rest"), said
    assert KEY not in said[0]


_LOG_RACE = r"""
import sys, threading, av
from livecut.sources.stream import _ChunkWatch
stop = threading.Event()
def decode():
    while not stop.is_set():
        with av.open(sys.argv[1]) as c:
            s = c.streams.video[0]
            s.thread_type, s.thread_count = "FRAME", 4
            for f in c.decode(s):
                if stop.is_set():
                    break
t = threading.Thread(target=decode)
t.start()
w = _ChunkWatch()
try:
    for _ in range(int(sys.argv[2])):
        w.start()
        threading.Event().wait(0.002)
        w.stop()
        threading.Event().wait(0.001)  # (the GIL let go, level None: as the run goes on)
finally:
    stop.set()
    t.join()
"""


def test_the_end_of_a_publishs_watch_of_ffmpegs_log_prints_no_traceback(tmp_path):
    """An rtmp:// output's publish is watched through FFmpeg's log (the server's words), at
    PyAV's DEBUG level, set back to None after it: a decoder thread of FFmpeg's logging a line
    (h264's "nal_unit_type: 1(...)") past PyAV's check of the level met None, and a server that
    reset the connection mid-stream was said with PyAV's "av.logging: exception while handling
    h264[48]" and a traceback (TypeError: '<=' not supported ...) on stderr."""
    clip = make_clip(tmp_path / "c.mp4", w=320, h=240, n=100)
    p = subprocess.run([sys.executable, "-c", _LOG_RACE, str(clip), "1500"], capture_output=True, text=True,
                       env=env_with_repo(), timeout=120)
    assert p.returncode == 0, p.stderr
    assert "av.logging" not in p.stderr and "Traceback" not in p.stderr, p.stderr


class _VersionStrictRtmpServer(FakeRtmpServer):
    """A plain RTMP server that resets a connection whose first byte is not RTMP's version 3
    (a TLS ClientHello's 0x16), as FFmpeg's does, and stays up for the next."""

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(2)
        try:
            first = conn.recv(1)
        except OSError:
            return
        if first != b"\x03":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            conn.close()
            return
        conn.sendall(b"\x03" + bytes(1536))
        self._hold()


def test_an_rtmps_output_to_a_plain_server_that_resets_the_handshake_is_said_to_be_one(clip):
    """-o rtmps://HOST/... typed for a plain RTMP server (FFmpeg's, for one, resets a
    ClientHello, read as an RTMP version it does not know) said "cannot start the stream: the
    server reset the connection", where README says such a server is said not to answer in TLS."""
    with _VersionStrictRtmpServer("ok") as srv:
        p = _livecut(clip, f"rtmps://127.0.0.1:{srv.port}/live/{KEY}", "video.open_timeout=5")
        err = _finish(p, 60)
    assert p.returncode == 1 and _error_line(err).endswith(
        "cannot start the stream: the server does not answer in TLS (is it an rtmp:// address?)"), err


class _OneConnectionRtmpServer(_VersionStrictRtmpServer):
    """As ``ffmpeg -listen 1``: serves one connection (here resetting a TLS ClientHello, an RTMP
    version it does not know) and listens no more."""

    def _serve(self, conn: socket.socket) -> None:
        self.sock.close()
        super()._serve(conn)


def test_an_rtmps_output_to_a_plain_server_of_one_connection_is_said_to_be_cut_at_the_tls_handshake(clip):
    """-o rtmps://HOST/... typed for a plain RTMP server that serves one connection (ffmpeg
    -listen 1): it resets the ClientHello and is gone, so it cannot be asked whether it speaks
    RTMP; the run said "cannot start the stream: the server reset the connection"."""
    with _OneConnectionRtmpServer("ok") as srv:
        p = _livecut(clip, f"rtmps://127.0.0.1:{srv.port}/live/{KEY}", "video.open_timeout=5")
        err = _finish(p, 60)
    assert p.returncode == 1 and _error_line(err).endswith(
        "cannot start the stream: the server reset the connection without answering the TLS handshake "
        "(a plain RTMP server does so: is it an rtmp:// address?)"), err


@pytest.mark.parametrize("server, said", [
    (_VersionStrictRtmpServer, "the server does not answer in TLS (is it an rtmp:// address?)"),
    (_OneConnectionRtmpServer, "the server reset the connection without answering the TLS handshake "
                               "(a plain RTMP server does so: is it an rtmp:// address?)")],
    ids=["stays-up", "one-connection"])
def test_an_rtmps_input_from_a_plain_server_that_resets_the_handshake_is_said_to_be_one(tmp_path, server, said):
    """`livecut run rtmps://HOST/...` typed for a plain RTMP server (FFmpeg's resets the TLS
    ClientHello, an RTMP version it does not know) said "cannot open the stream: Connection reset
    by peer"; a server still there is asked for an RTMP handshake, one gone (ffmpeg -listen 1)
    is said to have cut the TLS handshake off."""
    with server("ok") as srv:
        r = subprocess.run([sys.executable, "-m", "livecut", "run", f"rtmps://127.0.0.1:{srv.port}/live/{KEY}",
                            "-o", str(tmp_path / "out.mp4"), "--set", "video.open_timeout=5"],
                           capture_output=True, text=True, timeout=60, env=env_with_repo())
    assert r.returncode == 2, r.stderr
    assert _error_line(r.stderr) == f"livecut: error: rtmps://127.0.0.1:{srv.port}/live/***: {said}", r.stderr


def test_rtmps_to_a_plain_server_that_waits_for_a_whole_handshake_is_said_to_be_one(clip, tmp_path):
    """A plain RTMP server that reads an RTMP handshake's 1537 bytes before it answers (as
    nginx-rtmp does; FakeRtmpServer too) leaves a TLS ClientHello unanswered: `-o rtmps://...`
    typed for its rtmp:// address, and `livecut run rtmps://...`, said "no answer within 3 s".
    Asked for an RTMP handshake, it answers at once: they say it does not answer in TLS."""
    with FakeRtmpServer("ok") as srv:
        url = f"rtmps://127.0.0.1:{srv.port}/live/{KEY}"
        p = _livecut(clip, url, "video.open_timeout=3")
        err = _finish(p, 60)
        r = subprocess.run([sys.executable, "-m", "livecut", "run", url, "-o", str(tmp_path / "out.mp4"),
                            "--set", "video.open_timeout=3"],
                           capture_output=True, text=True, timeout=60, env=env_with_repo())
    said = "the server does not answer in TLS (is it an rtmp:// address?)"
    assert p.returncode == 1 and _error_line(err) == (f"livecut: error: rtmps://127.0.0.1:{srv.port}/live/***: "
                                                      f"cannot start the stream: {said}"), err
    assert r.returncode == 2 and _error_line(r.stderr) == f"livecut: error: rtmps://127.0.0.1:{srv.port}/live/***: {said}", \
        r.stderr


def test_an_rtmps_output_to_a_server_that_takes_the_connection_and_says_nothing_says_where_it_waited(clip):
    """A server that takes the connection and never answers (FakeRtmpServer "silent": the kernel
    accepts) is asked for an RTMP handshake too, and leaves it unanswered: the line says that the
    TLS handshake went unanswered."""
    with FakeRtmpServer("silent") as srv:
        p = _livecut(clip, f"rtmps://127.0.0.1:{srv.port}/live/{KEY}", "video.open_timeout=1.5")
        err = _finish(p, 60)
    assert p.returncode == 1 and _error_line(err) == (f"livecut: error: rtmps://127.0.0.1:{srv.port}/live/***: "
                                                      "no answer to the TLS handshake within 1.5 s"), err
