"""A small headless-Chromium driver for tests: the Chrome DevTools Protocol over
``--remote-debugging-pipe`` (no debugging port is opened), every call time-bounded."""
from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--no-default-browser-check", "--mute-audio",
    # WebGL on the CPU, so the Projector can draw its points without a GPU.
    "--enable-unsafe-swiftshader", "--use-angle=swiftshader",
    "--window-size=1280,900", "--remote-debugging-pipe",
]

# Text of the page as the user sees it, including inside shadow roots (TensorBoard's
# Polymer components keep their text there, where document.body.innerText misses it).
DEEP_TEXT_JS = r"""
(() => {
  const out = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) { const t = node.textContent.trim(); if (t) out.push(t); return; }
    if (node.nodeType !== Node.ELEMENT_NODE && node.nodeType !== Node.DOCUMENT_FRAGMENT_NODE) return;
    if (node.nodeType === Node.ELEMENT_NODE) {
      const tag = node.tagName;
      if (['SCRIPT', 'STYLE', 'TEMPLATE', 'NOSCRIPT', 'CUSTOM-STYLE', 'DOM-MODULE'].includes(tag)) return;
      if (node.shadowRoot) walk(node.shadowRoot);
      // Plugins such as the Projector run in a same-origin iframe.
      if (tag === 'IFRAME') { try { walk(node.contentDocument.documentElement); } catch (e) {} }
      if (tag === 'INPUT' && node.value) out.push(node.value);
    }
    for (const child of node.childNodes) walk(child);
  };
  walk(document.documentElement);
  return out.join('\n');
})()
"""


# How many chart lines are drawn (SVG paths with at least one segment), anywhere in the page.
DRAWN_LINES_JS = r"""
(() => {
  let n = 0;
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.tagName === 'path' && /[0-9][ ,]*L/.test(el.getAttribute('d') || '') &&
          (el.getAttribute('class') || '').includes('line')) n++;
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return n;
})()
"""


# Focus the text input whose paper-input label is LABEL inside an element TAG (searching
# shadow roots and same-origin iframes); returns whether it was found.
FOCUS_INPUT_JS = r"""
((label, tag) => {
  let target = null;
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.tagName === 'INPUT') {
        const field = el.getRootNode().host;
        const owner = field && field.getRootNode().host;
        if (field && field.label === label && owner && owner.tagName === tag) target = el;
      }
      if (el.shadowRoot) walk(el.shadowRoot);
      if (el.tagName === 'IFRAME') { try { walk(el.contentDocument); } catch (e) {} }
    }
  };
  walk(document);
  if (target) target.focus();
  return target !== null;
})(%s, %s)
"""


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class BrowserError(RuntimeError):
    pass


class Browser:
    """One headless Chromium with one page. Use as a context manager; it always stops."""

    def __init__(self, executable: str, timeout: float = 20.0):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="wordvec-chromium-")
        cmd_r, self._cmd_w = os.pipe()   # we write commands, the browser reads fd 3
        self._resp_r, resp_w = os.pipe()  # the browser writes replies to fd 4, we read

        def child_fds():
            # The protocol pipe must be fds 3 and 4 in the browser.
            a, b = os.dup(cmd_r), os.dup(resp_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            # close_fds=False keeps the dup2'ed 3 and 4 open; Python's own fds are close-on-exec anyway.
            preexec_fn=child_fds, close_fds=False, start_new_session=True,
        )
        os.close(cmd_r)
        os.close(resp_w)
        self._ids = itertools.count(1)
        self._replies: dict[int, queue.Queue] = {}
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        self.session = None

    # ------------------------------------------------------------------ protocol
    def _read_loop(self):
        buf = b""
        while True:
            try:
                chunk = os.read(self._resp_r, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._lock:
                    for q in self._replies.values():
                        q.put({"error": {"message": "browser closed the pipe"}})
                return
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                if "id" in msg:
                    with self._lock:
                        q = self._replies.get(msg["id"])
                    if q is not None:
                        q.put(msg)

    def send(self, method: str, params: dict | None = None, timeout: float | None = None, session: bool = True):
        msg_id = next(self._ids)
        msg = {"id": msg_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        q: queue.Queue = queue.Queue()
        with self._lock:
            self._replies[msg_id] = q
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        try:
            reply = q.get(timeout=timeout or self.timeout)
        except queue.Empty:
            raise BrowserError(f"{method}: no reply within {timeout or self.timeout}s") from None
        finally:
            with self._lock:
                self._replies.pop(msg_id, None)
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error'].get('message')}")
        return reply.get("result", {})

    # ------------------------------------------------------------------ page
    def open_page(self):
        deadline = time.monotonic() + self.timeout
        while True:
            pages = [t for t in self.send("Target.getTargets", session=False)["targetInfos"] if t["type"] == "page"]
            if pages or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        target = pages[0]["targetId"] if pages else self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        self.send("Page.enable")
        self.send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})
        return self

    def navigate(self, url: str):
        self.send("Page.navigate", {"url": url})

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise BrowserError(f"page script failed: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def type_into(self, label: str, owner_tag: str, text: str) -> None:
        """Type ``text`` into an input field as a user would (focus, then key input)."""
        if not self.evaluate(FOCUS_INPUT_JS % (json.dumps(label), json.dumps(owner_tag))):
            raise BrowserError(f"no input field labelled {label!r} in <{owner_tag.lower()}>")
        self.send("Input.insertText", {"text": text})

    def text(self) -> str:
        return self.evaluate(DEEP_TEXT_JS) or ""

    def wait_for_text(self, predicate, timeout: float, what: str) -> str:
        """Poll the page's visible text until ``predicate(text)`` holds."""
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            try:
                text = self.text()
            except BrowserError:  # the page is between documents while it loads
                text = ""
            if predicate(text):
                return text
            time.sleep(0.5)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}; the page ended with:\n{text[-2000:]}")

    def screenshot(self, path: Path, clip: dict | None = None) -> Path:
        params = {"format": "png"}
        if clip:
            params["clip"] = {**clip, "scale": 1}
        data = self.send("Page.captureScreenshot", params, timeout=30)["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)

    # ------------------------------------------------------------------ lifetime
    def close(self):
        with contextlib.suppress(Exception):
            self.send("Browser.close", session=False, timeout=3)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # helpers left behind by the browser
            os.killpg(self.proc.pid, signal.SIGKILL)
        for fd in (self._cmd_w, self._resp_r):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        try:
            return self.open_page()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc):
        self.close()
