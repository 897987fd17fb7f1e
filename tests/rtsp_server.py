#!/usr/bin/python3
"""A tiny RTSP server for livecut's network tests (GStreamer's gst-rtsp-server).

Run with Debian's system Python (it needs python3-gi)::

    /usr/bin/python3 tests/rtsp_server.py --port 8554 [--path /test] [--size 320x240] [--fps 30]
                                          [--cert cert.pem --key key.pem] [--record got.h264]

It binds 127.0.0.1 only and serves a generated test pattern
(videotestsrc ! x264enc tune=zerolatency ! rtph264pay).  It prints
``READY rtsp://127.0.0.1:PORT/PATH`` on stdout once it listens, and runs until
killed (SIGTERM/SIGINT) or until --lifetime seconds have passed.  With --cert and --key (PEM
files) it serves RTSP over TLS: ``READY rtsps://...`` (every client may play; no password).
With --record FILE it takes a stream instead (ANNOUNCE/RECORD: a client publishes H.264 to it)
and writes its H.264 to FILE as it comes (Annex B: readable however the client ends).
Packages: python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-{base,good,ugly,bad},
and for TLS glib-networking (GIO's TLS backend).
"""

import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import Gio, GLib, Gst, GstRtspServer  # noqa: E402


def serve_tls(server, factory, cert: str, key: str) -> None:
    """RTSP over TLS with the certificate and key in ``cert`` and ``key``: an RTSPAuth that
    holds the certificate, and a default token whose role may play (or record to) ``factory``'s
    media (an RTSPAuth refuses a client without one)."""
    auth = GstRtspServer.RTSPAuth()
    auth.set_tls_certificate(Gio.TlsCertificate.new_from_files(cert, key))
    token = GstRtspServer.RTSPToken()
    token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "viewer")
    auth.set_default_token(token)
    server.set_auth(auth)
    permissions = GstRtspServer.RTSPPermissions()
    permissions.add_permission_for_role("viewer", GstRtspServer.RTSP_PERM_MEDIA_FACTORY_ACCESS, True)
    permissions.add_permission_for_role("viewer", GstRtspServer.RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, True)
    factory.set_permissions(permissions)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--path", default="/test")
    ap.add_argument("--size", default="320x240")
    ap.add_argument("--fps", type=int, default=30)
    ap.add_argument("--lifetime", type=float, default=120.0, help="exit after this many seconds")
    ap.add_argument("--cert", help="PEM certificate: serve rtsps:// (with --key)")
    ap.add_argument("--key", help="PEM private key of --cert")
    ap.add_argument("--record", help="take a published stream (RECORD), its H.264 written to this file")
    args = ap.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    if args.record:
        factory.set_transport_mode(GstRtspServer.RTSPTransportMode.RECORD)
        # (an EOS down the pipeline at the TEARDOWN: the frames still queued in it are written,
        # not dropped with it -- 48 of 50 arrived on a loaded machine without it)
        factory.set_eos_shutdown(True)
        factory.set_launch("( rtph264depay name=depay0 ! h264parse config-interval=-1 "
                           "! video/x-h264,stream-format=byte-stream,alignment=au "
                           f"! filesink location={args.record} sync=false buffer-mode=unbuffered )")
    else:
        factory.set_launch(
            "( videotestsrc is-live=true pattern=ball "
            f"! video/x-raw,width={width},height={height},framerate={args.fps}/1 "
            f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={args.fps} "
            "! rtph264pay name=pay0 pt=96 config-interval=1 )")
    factory.set_shared(False)
    if args.cert:
        serve_tls(server, factory, args.cert, args.key or args.cert)
    server.get_mount_points().add_factory(args.path, factory)
    if server.attach(None) == 0:
        print(f"ERROR cannot listen on 127.0.0.1:{args.port}", flush=True)
        return 1

    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    GLib.timeout_add(int(args.lifetime * 1000), loop.quit)
    scheme = "rtsps" if args.cert else "rtsp"
    print(f"READY {scheme}://127.0.0.1:{server.get_bound_port()}{args.path}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
