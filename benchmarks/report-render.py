#!/usr/bin/env python3
"""report-render.py PAGE.html [--width W] [--height H] [--shot OUT.png] [--runs N] [--browser B]

Opens PAGE (a URL fragment such as `index.html#t6` is kept) in headless Chromium through
the DevTools protocol over a pipe (--remote-debugging-pipe: no port, no extra packages),
waits for the load event and two animation frames, then prints the page's own timings
(navigation start to first contentful paint, to DOMContentLoaded, to the load event) and,
with --shot, saves a screenshot of the viewport *where the page is scrolled to*, which
`chromium --screenshot` cannot (it draws a fragment URL blank). With --runs N the timing
is the median of N fresh loads. Timings follow the machine's load: report it beside them.
"""
import argparse, base64, json, os, statistics, subprocess, sys, tempfile


class Browser:
    def __init__(self, browser, profile):
        cmd_r, self.cmd_w = os.pipe()
        self.res_r, res_w = os.pipe()

        def fds():  # chromium reads commands on fd 3 and answers on fd 4
            os.dup2(cmd_r, 100)
            os.dup2(res_w, 101)
            os.dup2(100, 3)
            os.dup2(101, 4)
        self.proc = subprocess.Popen(
            [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             "--remote-debugging-pipe", "--user-data-dir=" + profile],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=fds, pass_fds=(3, 4))
        os.close(cmd_r)
        os.close(res_w)
        self.buf = b""
        self.next = 0
        self.events = []

    def _read(self):
        while b"\0" not in self.buf:
            chunk = os.read(self.res_r, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None):
        self.next += 1
        msg = {"id": self.next, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.cmd_w, json.dumps(msg).encode() + b"\0")
        while True:
            m = self._read()
            if m.get("id") == self.next:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, name, session):
        while True:
            for i, m in enumerate(self.events):
                if m.get("method") == name and m.get("sessionId") == session:
                    del self.events[: i + 1]
                    return m
            self.events.append(self._read())

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:
            pass
        self.proc.wait(timeout=30)


TIMING = """JSON.stringify((function(){var n=performance.getEntriesByType('navigation')[0],
p=performance.getEntriesByName('first-contentful-paint')[0];
return {fcp:p?p.startTime:null,dcl:n.domContentLoadedEventEnd,load:n.loadEventEnd,scrollY:window.scrollY,
bytes:document.documentElement.outerHTML.length};})())"""


def load(b, url, width, height, shot):
    target = b.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    s = b.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    b.call("Page.enable", session=s)
    b.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=s)
    b.call("Page.navigate", {"url": url}, session=s)
    b.wait_event("Page.loadEventFired", s)
    frames = "new Promise(r=>requestAnimationFrame(()=>requestAnimationFrame(r)))"
    b.call("Runtime.evaluate", {"expression": frames, "awaitPromise": True}, session=s)
    timing = json.loads(b.call("Runtime.evaluate", {"expression": TIMING, "returnByValue": True}, session=s)["result"]["value"])
    if shot:
        data = b.call("Page.captureScreenshot", {"format": "png"}, session=s)["data"]
        with open(shot, "wb") as f:
            f.write(base64.b64decode(data))
    b.call("Target.closeTarget", {"targetId": target})
    return timing


def main():
    a = argparse.ArgumentParser()
    a.add_argument("page")
    a.add_argument("--width", type=int, default=1400)
    a.add_argument("--height", type=int, default=900)
    a.add_argument("--shot")
    a.add_argument("--runs", type=int, default=1)
    a.add_argument("--browser", default="chromium")
    o = a.parse_args()
    path, _, fragment = o.page.partition("#")
    url = "file://" + os.path.abspath(path) + ("#" + fragment if fragment else "")
    with tempfile.TemporaryDirectory() as profile:
        b = Browser(o.browser, profile)
        try:
            runs = [load(b, url, o.width, o.height, o.shot if i == 0 else None) for i in range(o.runs)]
        finally:
            b.close()
    med = {k: statistics.median(r[k] for r in runs) for k in ("fcp", "dcl", "load") if all(r[k] is not None for r in runs)}
    print(f"{os.path.basename(path)}: {os.path.getsize(path)} bytes; median of {o.runs}: "
          + ", ".join(f"{k} {v:.0f} ms" for k, v in med.items()) + f"; scrolled to y={runs[0]['scrollY']:.0f}")


if __name__ == "__main__":
    sys.exit(main())
