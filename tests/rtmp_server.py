"""A small RTMP server for tests, on 127.0.0.1: enough of the protocol for FFmpeg to publish.

``FakeRtmpServer(mode)``:

* ``"silent"``: the kernel accepts the connection; nobody reads or answers;
* ``"handshake"``: answers the handshake, then never reads or answers again;
* ``"stall"``: accepts the stream (connect, createStream, publish), then stops reading
  after ``stall_after`` bytes of media (its receive buffer is small: the sender soon has
  nowhere to write);
* ``"ok"``: accepts the stream and reads it to its end.

It records the ``connect`` command's object (:attr:`connect`), the name published
(:attr:`published`) and the media bytes received (:attr:`media`).
"""

from __future__ import annotations

import os
import socket
import struct
import threading


def amf_encode(*values) -> bytes:
    out = bytearray()
    for v in values:
        if v is None:
            out += b"\x05"
        elif isinstance(v, bool):
            out += b"\x01" + bytes([v])
        elif isinstance(v, (int, float)):
            out += b"\x00" + struct.pack(">d", float(v))
        elif isinstance(v, str):
            b = v.encode()
            out += b"\x02" + len(b).to_bytes(2, "big") + b
        elif isinstance(v, dict):
            out += b"\x03"
            for k, x in v.items():
                out += len(k).to_bytes(2, "big") + k.encode() + amf_encode(x)
            out += b"\x00\x00\x09"
        else:
            raise TypeError(v)
    return bytes(out)


def amf_decode(data: bytes) -> list:
    values, i = [], 0

    def one(i):
        t = data[i]
        i += 1
        if t == 0:
            return struct.unpack(">d", data[i:i + 8])[0], i + 8
        if t == 1:
            return bool(data[i]), i + 1
        if t == 2:
            n = int.from_bytes(data[i:i + 2], "big")
            return data[i + 2:i + 2 + n].decode(errors="replace"), i + 2 + n
        if t in (5, 6):
            return None, i
        if t in (3, 8):
            if t == 8:
                i += 4
            obj = {}
            while True:
                n = int.from_bytes(data[i:i + 2], "big")
                if n == 0 and data[i + 2] == 9:
                    return obj, i + 3
                key = data[i + 2:i + 2 + n].decode(errors="replace")
                obj[key], i = one(i + 2 + n)
        raise ValueError(f"AMF type {t}")

    while i < len(data):
        v, i = one(i)
        values.append(v)
    return values


class FakeRtmpServer:
    def __init__(self, mode: str = "ok", stall_after: int = 0) -> None:
        self.mode = mode
        self.stall_after = stall_after
        self.sock = socket.socket()
        if mode == "stall":  # (inherited by the accepted connection: it fills soon)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.connect: dict = {}
        self.published: str | None = None
        self.media = 0
        self.handshaken = threading.Event()
        self.stalled = threading.Event()
        self.ended = threading.Event()   # the publisher closed the connection
        self._stop = threading.Event()
        self._conns: list[socket.socket] = []
        if mode != "silent":
            threading.Thread(target=self._accept, daemon=True).start()

    def __enter__(self) -> "FakeRtmpServer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        for s in [self.sock, *self._conns]:
            try:
                s.close()
            except OSError:
                pass

    # ---- the server
    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            if self._stop.is_set():
                raise EOFError
            try:
                got = conn.recv(n - len(buf))
            except socket.timeout:
                continue
            if not got:
                raise EOFError
            buf += got
        return bytes(buf)

    def _hold(self) -> None:
        self._stop.wait(120)

    def _send(self, conn: socket.socket, csid: int, mtype: int, msid: int, payload: bytes) -> None:
        out = bytearray(bytes([csid]) + b"\x00\x00\x00" + len(payload).to_bytes(3, "big") + bytes([mtype])
                        + msid.to_bytes(4, "little"))
        for k in range(0, len(payload), 128):
            if k:
                out += bytes([0xC0 | csid])
            out += payload[k:k + 128]
        conn.sendall(out)

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        try:
            c0c1 = self._read(conn, 1537)
            conn.sendall(b"\x03" + bytes(4) + bytes(4) + os.urandom(1528) + c0c1[1:])
            self._read(conn, 1536)
            self.handshaken.set()
            if self.mode == "handshake":
                return self._hold()
            chunk_size, streams = 128, {}
            while True:
                b0 = self._read(conn, 1)[0]
                fmt, csid = b0 >> 6, b0 & 63
                if csid == 0:
                    csid = 64 + self._read(conn, 1)[0]
                elif csid == 1:
                    x = self._read(conn, 2)
                    csid = 64 + x[0] + 256 * x[1]
                st = streams.setdefault(csid, {"len": 0, "type": 0, "msid": 0, "left": 0, "data": bytearray()})
                h = self._read(conn, (11, 7, 3, 0)[fmt])
                if fmt <= 2 and h[:3] == b"\xff\xff\xff":
                    self._read(conn, 4)
                if fmt <= 1:
                    st["len"], st["type"] = int.from_bytes(h[3:6], "big"), h[6]
                if fmt == 0:
                    st["msid"] = int.from_bytes(h[7:11], "little")
                if st["left"] == 0:
                    st["left"], st["data"] = st["len"], bytearray()
                n = min(chunk_size, st["left"])
                st["data"] += self._read(conn, n)
                st["left"] -= n
                if st["left"]:
                    continue
                mtype, data = st["type"], bytes(st["data"])
                if mtype == 1:
                    chunk_size = int.from_bytes(data[:4], "big") & 0x7FFFFFFF
                elif mtype in (8, 9, 18):
                    self.media += len(data)
                    if self.mode == "stall" and self.media >= self.stall_after:
                        self.stalled.set()
                        return self._hold()
                elif mtype == 20:
                    self._command(conn, amf_decode(data))
        except (EOFError, OSError):
            self.ended.set()

    def _command(self, conn: socket.socket, values: list) -> None:
        name, txn = values[0], values[1] if len(values) > 1 else 0
        if name == "connect":
            self.connect = values[2]
            self._send(conn, 3, 20, 0, amf_encode("_result", txn, {"fmsVer": "FMS/3,0,1,123"},
                                                  {"level": "status", "code": "NetConnection.Connect.Success"}))
        elif name == "createStream":
            self._send(conn, 3, 20, 0, amf_encode("_result", txn, None, 1))
        elif name == "publish":
            self.published = values[3]
            self._send(conn, 5, 20, 1, amf_encode("onStatus", 0, None,
                                                  {"level": "status", "code": "NetStream.Publish.Start",
                                                   "description": "publishing"}))
