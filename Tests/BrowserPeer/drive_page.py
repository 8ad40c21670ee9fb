#!/usr/bin/env python3
"""Loads a page in headless Chromium and watches it change, for the live page's tests.

    drive_page.py URL --until JS [--until JS ...] [--screenshot FILE] [--timeout SECONDS]

Chromium is driven over its DevTools pipe (--remote-debugging-pipe: commands on descriptor 3,
replies on 4, each a JSON message ended by a NUL byte), with the standard library only. Each
--until is a JavaScript expression evaluated in the page every 100 ms until it is true; then the
driver prints "=== met K" and the page's DOM on one line ("dom K: ..."), and goes on to the next.
A condition not met within --timeout seconds prints "=== timeout K", the DOM, and exits 1. The
screenshot (PNG) is taken after the last condition.
"""
import argparse
import base64
import ctypes
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time


class Browser:
    """Headless Chromium and its DevTools pipe."""

    def __init__(self, binary):
        self.profile = tempfile.mkdtemp(prefix="drive-page-")
        to_browser_read, self.to_browser = os.pipe()
        self.from_browser, from_browser_write = os.pipe()

        def wire():
            # The child's descriptors 3 and 4 are the pipe's ends, whatever numbers they had.
            read_end, write_end = os.dup(to_browser_read), os.dup(from_browser_write)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)
            # Chromium ends with this driver, however the driver ends (PR_SET_PDEATHSIG).
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)

        self.process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--no-default-browser-check", "--hide-scrollbars", "--window-size=1280,1000",
             "--user-data-dir=" + self.profile, "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            close_fds=False, preexec_fn=wire)
        os.close(to_browser_read)
        os.close(from_browser_write)
        self.next_id = 0
        self.buffer = b""

    def call(self, method, params=None, session=None, timeout=15):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while b"\0" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self.next_id:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply["result"]
            ready, _, _ = select.select([self.from_browser], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            chunk = os.read(self.from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed its pipe")
            self.buffer += chunk
        raise RuntimeError(f"{method}: no reply in {timeout} s")

    def close(self):
        try:
            self.call("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.to_browser)
        os.close(self.from_browser)
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--until", action="append", default=[])
    parser.add_argument("--screenshot")
    parser.add_argument("--timeout", type=float, default=20)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    options = parser.parse_args()

    browser = Browser(options.chromium)
    try:
        target = browser.call("Target.createTarget", {"url": options.url})["targetId"]
        session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]

        def evaluate(expression):
            result = browser.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
            return result.get("result", {}).get("value")

        def dom():
            return (evaluate("document.documentElement ? document.documentElement.outerHTML : ''") or "").replace("\n", " ")

        print("=== started", flush=True)
        for number, condition in enumerate(options.until, start=1):
            deadline = time.monotonic() + options.timeout
            while not evaluate(f"Boolean((() => {{ try {{ return {condition}; }} catch (e) {{ return false; }} }})())"):
                if time.monotonic() > deadline:
                    print(f"=== timeout {number}\ndom {number}: {dom()}", flush=True)
                    return 1
                time.sleep(0.1)
            print(f"=== met {number}\ndom {number}: {dom()}", flush=True)
        if options.screenshot:
            picture = browser.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session)
            with open(options.screenshot, "wb") as file:
                file.write(base64.b64decode(picture["data"]))
            print("=== screenshot " + options.screenshot, flush=True)
        return 0
    finally:
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
