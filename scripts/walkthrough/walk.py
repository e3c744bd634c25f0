#!/usr/bin/env python3
"""Keyboard-only walkthrough of the real app window under X (Xvfb), checked by OCR.

Run through scripts/walkthrough.sh, which starts Xvfb and sets DISPLAY. For each
language and text size: sign in as a trainee, open a scenario from the library with its
number key, start it, play every step with number keys (Enter through feedback),
screenshot after step 4 (feedback and conversation) and on the debrief; then back to
the library, sign out, open the manager area with its password and screenshot the
dashboard. Then check what is on screen (tesseract OCR) and print PASS/FAIL per check.

Standard library only; needs xdotool, xwd, convert (ImageMagick) and tesseract (eng,
chi_sim) on PATH.
"""

import argparse
import difflib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata

# ---------------------------------------------------------------------------- texts
# UI strings the walkthrough looks for, read from the app's own table (src/app/i18n.rs,
# lines `Key => ("English", "中文"),`) so that renamed labels follow the code.
UI_KEYS = {
    "retry": "Retry",
    "back": "BackToLibrary",
    "continue": "Continue",
    "sign_out": "SignOut",
    "manager": "Manager",
    "password": "Password",
    "unlock": "Unlock",
    "overview": "TabOverview",
    "wrong_choices": "TabWrongChoices",
    "wrong_title": "WrongChoicesTitle",
    "cohort": "CohortAverages",
    "trainees": "TraineeTable",
    "hint_conversation": "HintConversation",
    "hint_feedback": "HintContinue",
    "hint_debrief": "HintDebrief",
    # The completion grid (optional: skipped when the app has none).
    "completion_tab": "TabCompletion",
    "completion_title": "CompletionTitle",
}
OPTIONAL = {"completion_tab", "completion_title"}
UI = {}


def load_ui(path):
    table = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r'\s*([A-Z][A-Za-z0-9]*) => \("((?:[^"\\]|\\.)*)", "((?:[^"\\]|\\.)*)"\),', line)
            if m:
                table[m.group(1)] = (m.group(2), m.group(3))
    for i, loc in enumerate(("en", "zh-CN")):
        UI[loc] = {}
        for key, name in UI_KEYS.items():
            if name in table:
                UI[loc][key] = table[name][i]
            elif key not in OPTIONAL:
                sys.exit(f"walkthrough: no `{name}` in {path}; update UI_KEYS in {__file__}")
        ui = UI[loc]
        ui["dashboard"] = [ui["overview"], ui["cohort"], ui["trainees"]]
        # The key hints repeat the buttons' words; their lines hold this word too.
        ui["hint_marker"] = "enter" if loc == "en" else "回车"


TESS_LANG = {"en": "eng", "zh-CN": "chi_sim"}
TEXT_SIZES = ["normal", "large", "extra-large"]


def log(msg):
    print(msg, flush=True)


# ---------------------------------------------------------------------------- X helpers
class Screen:
    """Screenshots of the root window and waits on them."""

    def __init__(self, display):
        self.display = display

    def raw(self):
        """The root window as xwd bytes (fast; used for change detection)."""
        try:
            out = subprocess.run(
                ["xwd", "-root", "-silent", "-display", self.display],
                capture_output=True,
                timeout=20,
                check=True,
            ).stdout
        except (subprocess.SubprocessError, OSError):
            return b""
        return out

    def digest(self):
        return hashlib.sha1(self.raw()).hexdigest()

    def save(self, path):
        raw = self.raw()
        subprocess.run(
            ["convert", "xwd:-", "png:" + path], input=raw, check=True, timeout=60
        )
        return path

    def wait_stable(self, before=None, timeout=60.0, settle=1.2, poll=0.3):
        """Waits until the screen differs from `before` (if given) and then stays the
        same for `settle` seconds. Returns (changed, digest)."""
        start = time.monotonic()
        changed = before is None
        last = self.digest()
        last_change = time.monotonic()
        while time.monotonic() - start < timeout:
            time.sleep(poll)
            d = self.digest()
            if d != last:
                last = d
                last_change = time.monotonic()
                continue
            if before is not None and d != before:
                changed = True
            if changed and time.monotonic() - last_change >= settle:
                return True, d
        return changed and last != before, last


def xdo(*args, timeout=30):
    return subprocess.run(
        ["xdotool", *args], capture_output=True, text=True, timeout=timeout
    )


class App:
    """One `courtesy app` process and its window."""

    def __init__(self, binary, args, env, screen, logfile):
        self.screen = screen
        self.log = open(logfile, "w")
        self.proc = subprocess.Popen(
            [binary, "app", *args], env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        self.window = None

    def wait_window(self, timeout):
        """Polls for the app's window (by process id, then by title), focuses it and
        waits for the first drawn frame."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the app exited early (code {self.proc.returncode})")
            r = xdo("search", "--onlyvisible", "--pid", str(self.proc.pid))
            ids = r.stdout.split()
            if not ids:
                r = xdo("search", "--onlyvisible", "--name", "Courtesy|礼貌服务")
                ids = r.stdout.split()
            if ids:
                self.window = ids[-1]
                break
            time.sleep(0.5)
        if self.window is None:
            raise RuntimeError(f"no app window after {timeout:.0f} s")
        xdo("windowfocus", "--sync", self.window)
        # Keep the pointer out of the way: the window margin at the bottom-left corner
        # holds no widget on any screen (hover would light up a reply or the chart).
        xdo("mousemove", "2", "797")
        # The first frames under lavapipe take a while: wait for a non-black screen
        # that has stopped changing.
        while time.monotonic() - start < timeout:
            _, d = self.screen.wait_stable(timeout=timeout, settle=2.0)
            if not self.black():
                return
        raise RuntimeError("the window stayed black")

    def black(self):
        raw = self.screen.raw()
        # xwd: header then pixels; a black screen compresses to almost nothing.
        body = raw[-100000:]
        return len(set(body)) <= 2

    def focus(self):
        if self.window:
            xdo("windowfocus", "--sync", self.window)

    def key(self, *keys, what="", timeout=90.0, expect_change=True):
        """Presses keys and waits for the screen to change and settle."""
        self.focus()
        before = self.screen.digest()
        for k in keys:
            xdo("key", "--clearmodifiers", k)
            time.sleep(0.15)
        # Without expect_change, a key may leave the screen as it was: then this waits
        # `timeout` (a slow frame under lavapipe can take over a second to arrive).
        changed, _ = self.screen.wait_stable(before=before, timeout=timeout)
        if expect_change and not changed:
            raise RuntimeError(
                f"nothing changed on screen after pressing {'+'.join(keys)} ({what})"
            )

    def type(self, text, what=""):
        self.focus()
        before = self.screen.digest()
        xdo("type", "--delay", "60", text, timeout=60)
        changed, _ = self.screen.wait_stable(before=before, timeout=60)
        if not changed:
            raise RuntimeError(f"typing `{text}` changed nothing on screen ({what})")

    def tab_to(self, label, locale, work, what, limit=30):
        """Presses Tab until the focused widget reads `label` (found by diffing the
        screen before and after each Tab: the widget that changed, other than the one
        that had the focus, is the one that has it now; OCR reads it). Returns the
        labels passed on the way; raises if `label` is not reached in `limit` Tabs."""
        passed = []
        prev_box = None
        before = gray(self.screen, work)
        for _ in range(limit):
            self.key("Tab", what=f"Tab towards “{label}” ({what})", timeout=8, expect_change=False)
            after = gray(self.screen, work)
            comps = changed_boxes(before, after)
            before = after
            # The focused widget wears a dark frame (egui's focus stroke); otherwise take
            # the largest change away from the widget that had the focus.
            frames = [f for c in comps for f in find_frames(after, c)]
            frames = [f for f in frames if not (prev_box and overlaps(f, prev_box))]
            framed = frames or [c for c in comps if has_frame(after, c)]
            others = [c for c in comps if not (prev_box and overlaps(c, prev_box))]
            if not framed and not others:
                passed.append("(nothing visible)")
                continue
            prev_box = max(framed or others, key=lambda c: (c[2] - c[0]) * (c[3] - c[1]))
            text = ocr_crop(self.screen.last_png, prev_box, locale, work)
            passed.append(text or "?")
            got = "".join(tokens(text, locale))
            want = "".join(tokens(label, locale))
            if got and difflib.SequenceMatcher(None, want, got, autojunk=False).ratio() >= 0.8:
                log(f"  Tab ×{len(passed)} to “{label}” ({what}): " + " → ".join(passed))
                return passed
        raise RuntimeError(
            f"“{label}” not reached with {limit} Tabs ({what}); focus went through: "
            + " → ".join(f"“{p}”" for p in passed)
        )

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)
        self.log.close()


W, H, CELL = 1280, 800, 8


def gray(screen, work):
    """The screen as 8-bit grey bytes (W*H); also saved as screen.last_png."""
    png = os.path.join(work, "tab-focus.png")
    screen.save(png)
    screen.last_png = png
    return subprocess.run(
        ["convert", png, "-colorspace", "Gray", "-depth", "8", "gray:-"],
        capture_output=True, check=True, timeout=60,
    ).stdout


def changed_boxes(a, b):
    """Boxes (l, t, r, b) of the regions that differ between two grey screens, from
    8-pixel cells joined with their neighbours."""
    if len(a) != len(b) or len(a) < W * H:
        return []
    cols, rows = W // CELL, H // CELL
    cells = set()
    for y in range(H):
        ra, rb = a[y * W:(y + 1) * W], b[y * W:(y + 1) * W]
        if ra == rb:
            continue
        for cx in range(cols):
            if ra[cx * CELL:(cx + 1) * CELL] != rb[cx * CELL:(cx + 1) * CELL]:
                cells.add((cx, y // CELL))
    boxes = []
    while cells:
        stack = [cells.pop()]
        comp = []
        while stack:
            c = stack.pop()
            comp.append(c)
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    n = (c[0] + dx, c[1] + dy)
                    if n in cells:
                        cells.remove(n)
                        stack.append(n)
        xs = [c[0] for c in comp]
        ys = [c[1] for c in comp]
        boxes.append((min(xs) * CELL, min(ys) * CELL, (max(xs) + 1) * CELL, (max(ys) + 1) * CELL))
    return boxes


def find_frames(g, bb, dark=110, min_run=24):
    """Rectangles drawn with a dark 1–2 px stroke (egui's focus frame) around the region
    `bb` (grown by 10 px): two horizontal dark runs of the same extent joined by dark
    vertical edges. Returns boxes (l, t, r, b)."""
    l, t, r, b = max(0, bb[0] - 10), max(0, bb[1] - 10), min(W, bb[2] + 10), min(H, bb[3] + 10)
    runs = []
    for y in range(t, b):
        row = g[y * W + l:y * W + r]
        x = 0
        while x < len(row):
            if row[x] < dark:
                x0 = x
                while x < len(row) and row[x] < dark:
                    x += 1
                if x - x0 >= min_run:
                    runs.append((y, l + x0, l + x))
            else:
                x += 1

    def dark_col(x, y0, y1):
        if not 0 <= x < W or y1 <= y0:
            return False
        return sum(1 for y in range(y0, y1) if g[y * W + x] < dark) >= 0.8 * (y1 - y0)

    frames = []
    for i, (ya, a0, a1) in enumerate(runs):
        for yb, b0, b1 in runs[i + 1:]:
            if not (10 <= yb - ya <= 160 and abs(a0 - b0) <= 3 and abs(a1 - b1) <= 3):
                continue
            y0, y1 = ya + 5, yb - 4
            left = any(dark_col(x, y0, y1) for x in range(a0 - 7, a0 + 2))
            right = any(dark_col(x, y0, y1) for x in range(a1 - 2, a1 + 7))
            if left and right:
                f = (a0 - 4, ya, a1 + 4, yb + 1)
                if not any(overlaps(f, o) for o in frames):
                    frames.append(f)
    return frames


def has_frame(g, bb, dark=110, share=0.7):
    """Whether the region has a dark horizontal line across most of its width (the top
    or bottom of a focus frame)."""
    l, t, r, b = bb
    r, b = min(r, W), min(b, H)
    width = r - l
    if width < 16:
        return False
    for y in range(t, b):
        row = g[y * W + l:y * W + r]
        if sum(1 for v in row if v < dark) >= share * width:
            return True
    return False


def ocr_crop(png, bb, locale, work):
    """OCR of one region (a single widget), as one line of text."""
    ocr_crop.n = getattr(ocr_crop, "n", 0) + 1
    crop = os.path.join(work, f"tab-crop-{ocr_crop.n:03}.png")
    l, t, r, b = bb
    subprocess.run(
        ["convert", png, "-crop", f"{r - l}x{b - t}+{l}+{t}", "+repage", "-colorspace", "Gray",
         # Down to the widget's frame, then inside it (the focus stroke reads as "[" or "(").
         "-fuzz", "8%", "-trim", "+repage", "-shave", "3x3", "-fuzz", "8%", "-trim", "+repage",
         "-resize", "300%", "-bordercolor", "white", "-border", "20", crop],
        check=True, timeout=60,
    )
    lang = TESS_LANG[locale] + ("+eng" if locale != "en" else "")
    r = subprocess.run(
        ["tesseract", crop, "-", "-l", lang, "--psm", "7"],
        capture_output=True, text=True, timeout=120,
    )
    return " ".join(r.stdout.split())


def verify(screen, png_name, labels, locale, work, what):
    """Raises unless OCR finds one of `labels` on the screen now (to know which screen
    shows)."""
    png = screen.save(os.path.join(work, png_name))
    words = ocr(png, locale, work)
    labels = [labels] if isinstance(labels, str) else labels
    best = 0.0
    for label in labels:
        b, ratio, _, _ = find_label(words, label, locale, min_ratio=0.8)
        if b is not None:
            return
        best = max(best, ratio)
    raise RuntimeError(
        f"expected {what} ({' or '.join(f'“{l}”' for l in labels)} on screen), best OCR "
        f"match {best:.0%} — see {png}"
    )


# ---------------------------------------------------------------------------- OCR
def ocr(png, locale, work, strip=None):
    """OCR words with boxes (in screenshot pixels): list of dicts with text, left, top,
    width, height, conf, line key. The image is upscaled 2x and inverted when dark.
    With `strip` (top, bottom), only that band of the window, upscaled 3x with its
    contrast stretched (for the small grey key hints)."""
    if strip:
        return ocr_strip(png, locale, work, *strip)
    base = os.path.join(work, os.path.basename(png)[:-4] + "-ocr")
    prep = base + ".png"
    # Mean brightness decides whether to negate (tesseract prefers dark on light).
    mean = subprocess.run(
        ["convert", png, "-colorspace", "Gray", "-format", "%[fx:mean]", "info:"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ops = ["-colorspace", "Gray", "-resize", "200%"]
    if float(mean or 1) < 0.5:
        ops.append("-negate")
    subprocess.run(["convert", png, *ops, prep], check=True)
    lang = TESS_LANG[locale] + ("+eng" if locale != "en" else "")
    subprocess.run(
        ["tesseract", prep, base, "-l", lang, "--psm", "3", "tsv"],
        capture_output=True,
        check=True,
        timeout=300,
    )
    words = []
    with open(base + ".tsv", encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for row in f:
            cols = row.rstrip("\n").split("\t")
            if len(cols) != len(header):
                continue
            r = dict(zip(header, cols))
            if r.get("level") != "5" or not r.get("text", "").strip():
                continue
            words.append(
                {
                    "text": r["text"].strip(),
                    "left": int(r["left"]) / 2,
                    "top": int(r["top"]) / 2,
                    "width": int(r["width"]) / 2,
                    "height": int(r["height"]) / 2,
                    "conf": float(r["conf"]),
                    "line": (r["block_num"], r["par_num"], r["line_num"]),
                }
            )
    with open(base + ".txt", "w", encoding="utf-8") as f:
        f.write(lines_text(words))
    return words


def ocr_strip(png, locale, work, top, bottom):
    base = os.path.join(work, os.path.basename(png)[:-4] + f"-strip{top}")
    prep = base + ".png"
    subprocess.run(
        ["convert", png, "-crop", f"{W}x{bottom - top}+0+{top}", "+repage", "-colorspace",
         "Gray", "-resize", "300%", "-normalize", prep],
        check=True, timeout=60,
    )
    lang = TESS_LANG[locale] + ("+eng" if locale != "en" else "")
    subprocess.run(["tesseract", prep, base, "-l", lang, "--psm", "6", "tsv"],
                   capture_output=True, check=True, timeout=300)
    words = []
    with open(base + ".tsv", encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for row in f:
            cols = row.rstrip("\n").split("\t")
            r = dict(zip(header, cols))
            if len(cols) != len(header) or r.get("level") != "5" or not r.get("text", "").strip():
                continue
            words.append({
                "text": r["text"].strip(), "left": int(r["left"]) / 3,
                "top": top + int(r["top"]) / 3, "width": int(r["width"]) / 3,
                "height": int(r["height"]) / 3, "conf": float(r["conf"]),
                "line": (r["block_num"], r["par_num"], r["line_num"]),
            })
    with open(base + ".txt", "w", encoding="utf-8") as f:
        f.write(lines_text(words))
    return words


def lines_text(words):
    """The OCR text, one OCR line per line."""
    out, key = [], None
    for w in words:
        if w["line"] != key:
            out.append([])
            key = w["line"]
        out[-1].append(w["text"])
    return "\n".join(" ".join(l) for l in out)


def is_cjk(ch):
    return "CJK" in unicodedata.name(ch, "")


def tokens(text, locale):
    """Comparable units: lower-case words (en) or CJK/alnum characters (zh)."""
    text = unicodedata.normalize("NFKC", text).lower()
    if locale == "en":
        return re.findall(r"[a-z0-9]+", text.replace("’", "'").replace("'", ""))
    return [c for c in text if is_cjk(c) or c.isalnum()]


def found_share(expected, seen, locale, min_run=2):
    """Share of the expected units found on screen in order, counting only runs of at
    least `min_run` consecutive units (so scattered common words do not count)."""
    exp = tokens(expected, locale)
    got = tokens(seen, locale)
    if not exp:
        return 0.0
    m = difflib.SequenceMatcher(None, exp, got, autojunk=False)
    hit = sum(b.size for b in m.get_matching_blocks() if b.size >= min(min_run, len(exp)))
    return hit / len(exp)


def after_colon(ws, i):
    """Whether the run starting at ws[i] follows a colon: key hints read "R: retry",
    "回车或空格：继续", buttons never do."""
    first = ws[i]["text"]
    prev = ws[i - 1]["text"] if i > 0 else ""
    return (first[:1] != "" and first[:1] in ":：") or (prev[-1:] != "" and prev[-1:] in ":：")


def find_label(words, label, locale, region=None, min_ratio=0.75, skip_marker=None, button=False):
    """The OCR words that best match `label` (consecutive words on one line), as
    (box (l, t, r, b) or None when the best match is under `min_ratio`, ratio, the words
    matched, their text). `region` (l, t, r, b) limits the search; lines holding
    `skip_marker` (the key hint under the buttons, which repeats their words) are left
    out."""
    target = "".join(tokens(label, locale))
    best, best_ws = 0.0, []
    by_line = {}
    for w in words:
        if region and not inside(w, region):
            continue
        by_line.setdefault(w["line"], []).append(w)
    for ws in by_line.values():
        joined = " ".join(" ".join(tokens(w["text"], locale)) for w in ws)
        if skip_marker and skip_marker in joined.replace(" ", "" if locale != "en" else " "):
            continue
        # Every run of consecutive words on the line.
        for i in range(len(ws)):
            # A button's label: not after a colon, and capitalised as written.
            if button and (after_colon(ws, i) or (
                label[:1].isupper() and not ws[i]["text"].lstrip("“\"'(").startswith(label[:1]))):
                continue
            for j in range(i, min(len(ws), i + 8)):
                text = "".join("".join(tokens(w["text"], locale)) for w in ws[i : j + 1])
                if not text:
                    continue
                r = difflib.SequenceMatcher(None, target, text, autojunk=False).ratio()
                if r > best:
                    best, best_ws = r, ws[i : j + 1]
    text = " ".join(w["text"] for w in best_ws)
    return (box(best_ws) if best >= min_ratio else None), best, best_ws, text


def box(ws):
    return (
        min(w["left"] for w in ws),
        min(w["top"] for w in ws),
        max(w["left"] + w["width"] for w in ws),
        max(w["top"] + w["height"] for w in ws),
    )


def inside(w, region):
    l, t, r, b = region
    cx, cy = w["left"] + w["width"] / 2, w["top"] + w["height"] / 2
    return l <= cx <= r and t <= cy <= b


def overlap_share(a, b):
    """The share of box a's area that lies inside box b."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    area = max(1e-9, (a[2] - a[0]) * (a[3] - a[1]))
    return max(0.0, w) * max(0.0, h) / area


def overlaps(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# ---------------------------------------------------------------------------- engine
def engine_path(binary, scenarios, scenario, seed, locale, want_steps):
    """A path through `scenario` with the engine (`courtesy run --json`): the naive
    'longest reply' player first (it makes some weaker choices, so the debrief and the
    manager have something to say), else the best replies. Returns the JSON result."""
    tried = []
    for how in (["--strategy", "longest"], ["--strategy", "polite"], ["--strategy", "best"]):
        r = subprocess.run(
            [binary, "run", scenario, "--scenarios", scenarios, "--seed", str(seed),
             "--locale", locale, "--json", *how],
            capture_output=True, text=True, timeout=120,
        )
        if r.returncode != 0:
            tried.append(f"{' '.join(how)}: {r.stderr.strip()}")
            continue
        res = json.loads(r.stdout)
        steps = res["transcript"]
        if len(steps) >= want_steps and all(
            t["chosen"] in t["offered"] and t["offered"].index(t["chosen"]) < 9 for t in steps
        ):
            return res
        tried.append(f"{' '.join(how)}: {len(steps)} steps")
    raise RuntimeError(f"no usable path through {scenario}: " + "; ".join(tried))


def card_number(scenarios, scenario):
    """The library card number of `scenario` (cards are in file-name order)."""
    files = sorted(f for f in os.listdir(scenarios) if f.endswith(".ron"))
    for i, f in enumerate(files):
        if f[:-4] == scenario:
            return i + 1
    raise RuntimeError(f"no {scenario}.ron in {scenarios}")


def scenario_title(binary, scenarios, scenario, locale):
    """The scenario's title in `locale`, from `courtesy run` text output's first line."""
    r = subprocess.run(
        [binary, "run", scenario, "--scenarios", scenarios, "--seed", "1", "--locale",
         locale, "--strategy", "best"],
        capture_output=True, text=True, timeout=120,
    )
    first = r.stdout.splitlines()[0] if r.stdout else ""
    m = re.match(r"(.*) \(" + re.escape(scenario) + r"\)", first)
    return m.group(1) if m else None


# ---------------------------------------------------------------------------- checks
class Results:
    def __init__(self):
        self.rows = []

    def add(self, name, ok, why):
        self.rows.append((name, ok, why))
        log(f"{'PASS' if ok else 'FAIL'}  {name}: {why}")

    def skip(self, name, why):
        self.rows.append((name, None, why))
        log(f"SKIP  {name}: {why}")

    @property
    def failed(self):
        return [r for r in self.rows if r[1] is False]


def check_newest_line(res, name, png, expected, locale, work, threshold):
    words = ocr(png, locale, work)
    lines = lines_text(words).splitlines()
    # The line must be on screen as one block: the best run of up to 10 OCR lines (so
    # phrases it shares with older lines elsewhere on screen do not add up).
    share = max(
        (found_share(expected, "\n".join(lines[i:j]), locale)
         for i in range(len(lines)) for j in range(i + 1, min(len(lines), i + 10) + 1)),
        default=0.0,
    )
    ok = share >= threshold
    res.add(
        name,
        ok,
        f"{share:.0%} of the newest customer line found on screen (need {threshold:.0%}): "
        f"“{expected}”" + ("" if ok else f" — see {png}"),
    )


def check_buttons(res, name, png, keys, locale, work, height):
    """Each button label is read (near exactly: a clean label OCRs reliably, a covered
    one does not) in the lower part of the window, and no other text lies in its box."""
    # Two readings: the bottom band on its own, enlarged (small labels on their own read
    # better so), and the whole window; the better match counts.
    readings = [ocr(png, locale, work, strip=(int(height * 0.85), height)), ocr(png, locale, work)]
    region = (0, height * 0.6, 10000, height)
    for key in keys:
        label = UI[locale][key]
        found = [
            (find_label(words, label, locale, region, min_ratio=0.9,
                        skip_marker=UI[locale]["hint_marker"], button=True), words)
            for words in readings
        ]
        (b, ratio, ws, text), words = max(found, key=lambda f: f[0][1])
        if b is None:
            res.add(
                f"{name}: “{label}” button",
                False,
                f"label not readable: the best OCR reading in the lower part of the window "
                f"is “{text}” ({ratio:.0%} alike, need 90%); covered or clipped — see {png}",
            )
            continue
        # The button's box: the label plus egui's button padding.
        bb = (b[0] - 4, b[1] - 4, b[2] + 4, b[3] + 4)
        foreign = [
            w for w in words
            if w not in ws and overlap_share(box([w]), bb) >= 0.25 and tokens(w["text"], locale)
        ]
        if foreign:
            res.add(
                f"{name}: “{label}” button",
                False,
                "other text drawn over the button: "
                + " ".join(f"“{w['text']}”" for w in foreign) + f" — see {png}",
            )
        else:
            res.add(
                f"{name}: “{label}” button",
                True,
                f"reads “{text}” at x={b[0]:.0f}..{b[2]:.0f}, y={b[1]:.0f}..{b[3]:.0f}, nothing over it",
            )


def check_hint(res, name, png, hint, locale, work, height):
    """The key hint at the bottom of the window reads in full (nothing drawn over it)."""
    words = ocr(png, locale, work, strip=(height - 60, height))
    b, ratio, ws, text = find_label(words, hint, locale, None, 0.95)
    # Whole: a badge over one end leaves the rest readable, so both ends must be there.
    want = "".join(tokens(hint, locale))
    got = "".join("".join(tokens(w["text"], locale)) for w in ws)
    if b is None or not (got.startswith(want[:3]) and got.endswith(want[-3:])):
        res.add(name, False, f"“{hint}” not readable in full: the best OCR reading is “{text}” "
                f"({ratio:.0%} alike, need 95% and both ends); covered or clipped — see {png}")
    else:
        res.add(name, True, f"reads “{text}”")


def id_pattern(scenario_id):
    # The id as typed (lower case, hyphenated); OCR may read a hyphen as another dash.
    return re.compile(
        r"(?<![A-Za-z])" + r"[-–—_~]".join(re.escape(p) for p in scenario_id.split("-")) + r"(?![A-Za-z])"
    )


def check_dashboard(res, name, pngs, locale, work, scenario_id, title):
    text = "\n".join(lines_text(ocr(p, locale, work)) for p in pngs)
    ids = id_pattern(scenario_id).findall(text)
    share = found_share(title, text, locale) if title else 0.0
    where = ", ".join(pngs)
    if ids:
        res.add(name, False, f"shows the scenario id “{ids[0]}” instead of its title — see {where}")
    elif share < 0.6:
        res.add(
            name,
            False,
            f"the played scenario's title “{title}” is not on the dashboard "
            f"({share:.0%} found) — see {where}",
        )
    else:
        res.add(name, True, f"title “{title}” shown ({share:.0%} found), no id")


# ---------------------------------------------------------------------------- the walk
def walk(cfg, res, locale, size, shots):
    """One app session in `locale` at text `size`. Fills `shots` with the screenshots."""
    tag = f"{locale.split('-')[0]}-{size}"
    out = cfg.out
    work = os.path.join(out, "ocr")
    env = dict(os.environ)
    env["COURTESY_DATA_DIR"] = cfg.data_dir
    env.setdefault("RUST_LOG", "warn")
    path = cfg.paths[locale]
    steps = path["transcript"]
    args = [
        "--scenarios", cfg.scenarios, "--data-dir", cfg.data_dir, "--locale", locale,
        "--text-size", size, "--seed", str(cfg.seed), "--timers", "off", "--size", "1280x800",
    ]
    app = App(cfg.binary, args, env, cfg.screen, os.path.join(out, f"app-{tag}.log"))
    step = "start"
    try:
        step = "window"
        app.wait_window(cfg.start_timeout)
        shot = lambda n: shots.setdefault(n, cfg.screen.save(os.path.join(out, f"{n}-{tag}.png")))
        shot("sign-in")
        step = "sign in"
        app.type(cfg.trainee[locale], "the name field has the focus on the sign-in screen")
        app.key("Return", what="sign in")
        shot("library")
        step = "open scenario"
        app.key(str(cfg.card), what=f"library card {cfg.card}")
        shot("briefing")
        step = "start"
        app.key("Return", what="start the conversation")
        for i, t in enumerate(steps):
            n = t["offered"].index(t["chosen"]) + 1
            step = f"step {i + 1}"
            app.key(str(n), what=f"step {i + 1}: reply {n} ({t['chosen']})")
            if i == 3:
                shot("feedback")
            app.key("Return", what=f"continue after the feedback of step {i + 1}")
            if i == 3:
                shot("conversation")
        shot("debrief")
        step = "leave"
        app.key("Return", what="debrief: Enter goes back to the library")
        ui = UI[locale]
        verify(cfg.screen, f"check-library-{tag}.png", ui["sign_out"], locale, work,
               "the library after Enter on the debrief")
        app.tab_to(ui["sign_out"], locale, work, "library")
        app.key("space", what="Sign out")
        shot("signed-out")
        step = "manager"
        app.tab_to(ui["manager"], locale, work, "sign-in screen")
        app.key("space", what="Manager")
        verify(cfg.screen, f"check-password-{tag}.png", [ui["unlock"], ui["password"]], locale, work,
               "the manager password screen")
        shot("manager-password")
        app.type(cfg.password, "the password field has the focus")
        app.key("Return", what="unlock the manager area", timeout=180)
        verify(cfg.screen, f"check-dashboard-{tag}.png", ui["dashboard"], locale, work,
               "the manager dashboard after the password")
        shot("dashboard")
        step = "manager tabs"
        app.tab_to(ui["wrong_choices"], locale, work, "manager dashboard")
        app.key("space", what=ui["wrong_choices"])
        verify(cfg.screen, f"check-wrong-{tag}.png", ui["wrong_title"], locale, work,
               "the “where learners go wrong” tab after Space on it")
        shot("wrong-choices")
        if "completion_tab" in ui:
            step = "completion grid"
            app.tab_to(ui["completion_tab"], locale, work, "manager dashboard")
            app.key("space", what=ui["completion_tab"])
            verify(cfg.screen, f"check-grid-{tag}.png",
                   [ui.get("completion_title", ui["completion_tab"])], locale, work,
                   "the completion grid after Space on its tab")
            shot("completion-grid")
    except (RuntimeError, subprocess.SubprocessError, OSError) as e:
        res.add(f"{tag}: walkthrough", False, f"stopped at {step}: {e}")
        try:
            shots[f"stopped-{tag}"] = cfg.screen.save(os.path.join(out, f"stopped-{tag}.png"))
        except (subprocess.SubprocessError, OSError):
            pass
    else:
        res.add(f"{tag}: walkthrough", True, f"{len(steps)} steps, debrief and manager area reached with the keyboard")
    finally:
        app.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--scenarios", required=True)
    ap.add_argument("--scenario", default="angry-customer")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", required=True)
    ap.add_argument("--sizes", default="normal,extra-large")
    ap.add_argument("--locales", default="en,zh-CN")
    ap.add_argument("--start-timeout", type=float, default=240)
    ap.add_argument("--threshold", type=float, default=0.6)
    ap.add_argument("--i18n", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    "..", "..", "src", "app", "i18n.rs"), help="the app's UI string table")
    ap.add_argument("--expect-line", help="check this text instead of the engine's (to see a check fail)")
    cfg = ap.parse_args()
    load_ui(cfg.i18n)
    cfg.binary = cfg.bin
    display = os.environ.get("DISPLAY")
    if not display:
        sys.exit("walkthrough: DISPLAY is not set (run it through scripts/walkthrough.sh)")
    cfg.screen = Screen(display)
    os.makedirs(cfg.out, exist_ok=True)
    work = os.path.join(cfg.out, "ocr")
    os.makedirs(work, exist_ok=True)
    cfg.data_dir = tempfile.mkdtemp(prefix="courtesy-walkthrough-")
    cfg.password = "walk-through-pass-1"
    cfg.trainee = {"en": "Ada Walker", "zh-CN": "Li Mei"}
    res = Results()
    t0 = time.monotonic()

    r = subprocess.run(
        [cfg.binary, "manager", "set-password", "--data-dir", cfg.data_dir],
        input=f"{cfg.password}\n", capture_output=True, text=True, timeout=120,
    )
    if r.returncode != 0:
        sys.exit(f"walkthrough: could not set the manager password: {r.stderr.strip()}")
    cfg.card = card_number(cfg.scenarios, cfg.scenario)
    if cfg.card > 9:
        sys.exit(f"walkthrough: {cfg.scenario} is card {cfg.card}; only cards 1–9 have number keys")
    cfg.paths, titles = {}, {}
    for locale in cfg.locales.split(","):
        cfg.paths[locale] = engine_path(cfg.binary, cfg.scenarios, cfg.scenario, cfg.seed, locale, 6)
        titles[locale] = scenario_title(cfg.binary, cfg.scenarios, cfg.scenario, locale)
        log(f"path ({locale}): " + ",".join(t["chosen"] for t in cfg.paths[locale]["transcript"]))

    all_shots = {}
    for locale in cfg.locales.split(","):
        for size in cfg.sizes.split(","):
            if size not in TEXT_SIZES:
                sys.exit(f"walkthrough: unknown text size {size}; one of {', '.join(TEXT_SIZES)}")
            tag = f"{locale.split('-')[0]}-{size}"
            log(f"== {tag}")
            shots = {}
            walk(cfg, res, locale, size, shots)
            all_shots[tag] = shots
            expected = cfg.expect_line or cfg.paths[locale]["transcript"][4]["customer_line"]
            if "conversation" in shots:
                check_newest_line(res, f"{tag}: newest line after step 4", shots["conversation"],
                                  expected, locale, work, cfg.threshold)
            else:
                res.skip(f"{tag}: newest line after step 4", "conversation after step 4 not reached")
            if "conversation" in shots:
                check_hint(res, f"{tag}: conversation key hint", shots["conversation"],
                           UI[locale]["hint_conversation"], locale, work, 800)
            if "feedback" in shots:
                check_buttons(res, f"{tag}: feedback", shots["feedback"], ("continue",), locale,
                              work, 800)
                check_hint(res, f"{tag}: feedback key hint", shots["feedback"],
                           UI[locale]["hint_feedback"], locale, work, 800)
            if "debrief" in shots:
                check_buttons(res, f"{tag}: debrief", shots["debrief"], ("retry", "back"), locale,
                              work, 800)
                check_hint(res, f"{tag}: debrief key hint", shots["debrief"],
                           UI[locale]["hint_debrief"], locale, work, 800)
            else:
                res.skip(f"{tag}: debrief", "debrief not reached")
            dash = [shots[k] for k in ("dashboard", "wrong-choices") if k in shots]
            if dash:
                check_dashboard(res, f"{tag}: manager dashboard shows titles", dash, locale, work,
                                cfg.scenario, titles[locale])
                if "completion-grid" in shots:
                    log(f"INFO  {tag}: completion grid: {shots['completion-grid']}")
                elif "completion_tab" not in UI[locale]:
                    res.skip(f"{tag}: completion grid", "not found: the app has no completion tab "
                             "(no TabCompletion in src/app/i18n.rs)")
            else:
                res.skip(f"{tag}: manager dashboard", "manager area not reached")

    with open(os.path.join(cfg.out, "shots.json"), "w") as f:
        json.dump(all_shots, f, indent=1)
    shutil.rmtree(cfg.data_dir, ignore_errors=True)
    log("")
    log("== screenshots")
    for tag, shots in all_shots.items():
        for name, p in shots.items():
            log(f"  {p}")
    n_fail = len(res.failed)
    n_pass = sum(1 for r in res.rows if r[1])
    log(f"== {n_pass} passed, {n_fail} failed, {sum(1 for r in res.rows if r[1] is None)} skipped "
        f"in {time.monotonic() - t0:.0f} s")
    for name, _, why in res.failed:
        log(f"FAIL  {name}: {why}")
    sys.exit(1 if n_fail else 0)


if __name__ == "__main__":
    main()
