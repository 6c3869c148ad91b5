#!/usr/bin/env python3
"""console_check.py CHROMIUM URL USER PASSWORD SCREENSHOT EXPECT...

Drives the device console in headless Chromium over the DevTools protocol (a minimal
WebSocket client, Python standard library only): opens URL, checks that the log-in form shows
and that a wrong password is refused, logs in through the form, waits until the live tables
hold every EXPECT text, saves a PNG screenshot. Exit 0 on success, 1 with a reason otherwise.
Chromium listens for DevTools on 127.0.0.1 only, with a private profile folder."""
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request


class WS:
    def __init__(self, url):
        assert url.startswith("ws://")
        hostport, path = url[5:].split("/", 1)
        host, port = hostport.split(":")
        self.s = socket.create_connection((host, int(port)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        req = (f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.s.sendall(req.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.s.recv(1)
            if not chunk:
                raise RuntimeError("websocket handshake failed")
            head += chunk
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("websocket handshake refused: " + head.decode(errors="replace"))
        self.next_id = 0

    def _recv_exact(self, n):
        b = b""
        while len(b) < n:
            chunk = self.s.recv(n - len(b))
            if not chunk:
                raise RuntimeError("websocket closed")
            b += chunk
        return b

    def send(self, text):
        data = text.encode()
        mask = os.urandom(4)
        n = len(data)
        if n < 126:
            hdr = struct.pack("!BB", 0x81, 0x80 | n)
        elif n < 65536:
            hdr = struct.pack("!BBH", 0x81, 0x80 | 126, n)
        else:
            hdr = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
        self.s.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def recv(self):
        msg = b""
        while True:
            b0, b1 = self._recv_exact(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._recv_exact(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._recv_exact(8))[0]
            payload = self._recv_exact(n)
            msg += payload
            if b0 & 0x80:
                return msg.decode()

    def call(self, method, **params):
        self.next_id += 1
        mid = self.next_id
        self.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            m = json.loads(self.recv())
            if m.get("id") == mid:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})


def evaluate(ws, expr):
    r = ws.call("Runtime.evaluate", expression=expr, awaitPromise=True, returnByValue=True)
    return r.get("result", {}).get("value")


def wait_for(ws, expr, what, seconds=30):
    end = time.time() + seconds
    while time.time() < end:
        if evaluate(ws, expr):
            return
        time.sleep(0.2)
    raise RuntimeError("timed out waiting for " + what)


def main():
    if len(sys.argv) < 6:
        print(__doc__)
        return 2
    chromium, url, user, password, shot = sys.argv[1:6]
    expect = sys.argv[6:]
    profile = tempfile.mkdtemp(prefix="trustm-chromium.")
    port_sock = socket.socket()
    port_sock.bind(("127.0.0.1", 0))
    port = port_sock.getsockname()[1]
    port_sock.close()
    args = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-extensions", "--disable-background-networking", "--disable-sync",
            "--remote-debugging-address=127.0.0.1", f"--remote-debugging-port={port}",
            f"--user-data-dir={profile}", "--window-size=1280,900", "about:blank"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(os.path.join(profile, "log"), "w"))
    try:
        target = None
        for _ in range(150):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as r:
                    pages = [t for t in json.load(r) if t.get("type") == "page"]
                if pages:
                    target = pages[0]
                    break
            except OSError:
                pass
            time.sleep(0.2)
        if target is None:
            raise RuntimeError("Chromium did not start (DevTools not reachable)")
        ws = WS(target["webSocketDebuggerUrl"])
        ws.call("Page.enable")
        ws.call("Page.navigate", url=url)
        wait_for(ws, "document.readyState === 'complete' && !!document.getElementById('login')", "the page")
        wait_for(ws, "!document.getElementById('login').hidden", "the log-in form")
        login = ("(async () => { document.getElementById('user').value = %s;"
                 " document.getElementById('password').value = %s;"
                 " document.getElementById('go').click(); return true; })()")
        evaluate(ws, login % (json.dumps(user), json.dumps(password + "-wrong")))
        wait_for(ws, "document.getElementById('loginerr').textContent.includes('wrong')", "the refusal")
        if evaluate(ws, "document.getElementById('main').hidden") is not True:
            raise RuntimeError("the console opened with a wrong password")
        print("ok: a wrong password is refused by the console")
        evaluate(ws, login % (json.dumps(user), json.dumps(password)))
        wait_for(ws, "!document.getElementById('main').hidden", "the console after log-in")
        print("ok: logged in through the form")
        for text in expect:
            wait_for(ws, "document.getElementById('main').innerText.includes(%s)" % json.dumps(text),
                     repr(text))
            print(f"ok: shows {text!r}")
        rows = evaluate(ws, "document.querySelectorAll('#devices tbody tr').length")
        print(f"ok: {rows} device rows, live status: " + evaluate(ws, "document.getElementById('status').textContent"))
        png = base64.b64decode(ws.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"])
        if png[:8] != b"\x89PNG\r\n\x1a\n" or len(png) < 5000:
            raise RuntimeError("screenshot is not a PNG")
        with open(shot, "wb") as f:
            f.write(png)
        print(f"ok: screenshot {shot} ({len(png)} bytes)")
        return 0
    except Exception as e:  # noqa: BLE001 - one clear line for the test log
        print(f"FAIL: {e}")
        return 1
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        # Chromium's helper processes may still write into the profile for a moment.
        for _ in range(25):
            shutil.rmtree(profile, ignore_errors=True)
            if not os.path.exists(profile):
                break
            time.sleep(0.2)


if __name__ == "__main__":
    sys.exit(main())
