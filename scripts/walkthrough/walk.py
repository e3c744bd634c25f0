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
import json
import os
import re
import hashlib
import shutil
import struct
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
    # The completion grid.
    "completion_tab": "TabCompletion",
    "completion_title": "CompletionTitle",
}
OPTIONAL = set()
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


# Tesseract's OpenMP threads spin while they wait: on a busy machine (CI, two cores) one
# thread per call reads faster than several.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def log(msg):
    print(msg, flush=True)


# ---------------------------------------------------------------------------- X helpers
W, H, CELL = 1280, 800, 8


class Frame:
    """One xwd screenshot of the root window, parsed enough to compare 8x8 cells and to
    read a grey channel without ImageMagick (fast enough to poll several times a second)."""

    def __init__(self, raw):
        self.raw = raw
        self.ok = False
        if len(raw) < 100:
            return
        f = struct.unpack(">25I", raw[:100])
        header, width, height, byte_order, bpp, bpl, ncolors = f[0], f[4], f[5], f[7], f[11], f[12], f[19]
        self.w, self.h, self.bpl, self.px = width, height, bpl, bpp // 8
        self.off = header + 12 * ncolors
        # The green byte of a 32-bit pixel: B G R X (LSBFirst) or X R G B (MSBFirst).
        self.green = 1 if byte_order == 0 else 2
        self.ok = (self.px == 4 and width == W and height == H
                   and len(raw) >= self.off + bpl * height)

    def row(self, y):
        o = self.off + y * self.bpl
        return self.raw[o:o + self.w * self.px]

    def gray(self):
        """The green channel as W*H bytes (the UI's greys; dark strokes stay dark)."""
        out = []
        for y in range(self.h):
            o = self.off + y * self.bpl + self.green
            out.append(self.raw[o:o + self.w * self.px:self.px])
        return b"".join(out)

    def black(self):
        body = self.raw[-100000:]
        return len(set(body)) <= 2


def diff_cells(a, b, masked=frozenset()):
    """The 8x8 cells (cx, cy) that differ between two frames, less the `masked` ones.
    Everything when a frame could not be read."""
    if not (a and b and a.ok and b.ok):
        return {(-1, -1)}
    cells = set()
    step = CELL * 4
    for y in range(H):
        ra, rb = a.row(y), b.row(y)
        if ra == rb:
            continue
        cy = y // CELL
        for cx in range(W // CELL):
            if (cx, cy) not in cells and ra[cx * step:(cx + 1) * step] != rb[cx * step:(cx + 1) * step]:
                cells.add((cx, cy))
    return cells - masked


def cell_bbox(cells):
    xs = [c[0] for c in cells]
    ys = [c[1] for c in cells]
    return min(xs), min(ys), max(xs), max(ys)


class Screen:
    """Screenshots of the root window and waits on them. A small region that keeps
    changing on its own (the manager area's "Locks in 4 min 59 s") is learned as a
    ticker and left out of every comparison after that."""

    def __init__(self, display):
        self.display = display
        self.masked = set()
        self.last = None

    def grab(self):
        """The root window now, as a Frame (not ok if xwd failed)."""
        try:
            out = subprocess.run(
                ["xwd", "-root", "-silent", "-display", self.display],
                capture_output=True,
                timeout=20,
                check=True,
            ).stdout
        except (subprocess.SubprocessError, OSError):
            out = b""
        self.last = Frame(out)
        return self.last

    def save(self, path, frame=None):
        frame = frame or self.grab()
        subprocess.run(
            ["convert", "xwd:-", "png:" + path], input=frame.raw, check=True, timeout=60
        )
        return path

    def wait_stable(self, before=None, timeout=60.0, settle=1.0, poll=0.2):
        """Waits until the screen differs from the frame `before` (if given) and then
        stays the same for `settle` seconds. Returns (changed, frame).

        A change confined to a few cells on one line that comes back in the same place
        at least 0.6 s later with nothing else changing between is a ticker (a
        countdown): its cells are masked from then on, so it neither keeps the screen
        from settling nor counts as a change."""
        start = time.monotonic()
        prev = self.grab()
        changed = before is None or bool(diff_cells(before, prev, self.masked))
        last_change = time.monotonic()
        small = None  # (cells, when) of the last small change
        while time.monotonic() - start < timeout:
            time.sleep(poll)
            cur = self.grab()
            d = diff_cells(prev, cur, self.masked)
            now = time.monotonic()
            if d:
                x0, y0, x1, y1 = cell_bbox(d)
                is_small = (-1, -1) not in d and x1 - x0 < 40 and y1 - y0 < 5
                if is_small and small and now - small[1] >= 0.6 and d & small[0]:
                    # The same few cells again: a ticker. Mask its line (it may grow
                    # leftwards: "10 s" → "9 s" in a right-aligned label).
                    for cy in range(y0 - 1, y1 + 2):
                        for cx in range(x0 - 8, x1 + 3):
                            self.masked.add((cx, cy))
                    small = None
                else:
                    small = (d, now) if is_small else None
                    last_change = now
                prev = cur
            if not changed and before is not None and diff_cells(before, cur, self.masked):
                changed = True
            if changed and now - last_change >= settle:
                return True, cur
        return changed, prev


def xdo(*args, timeout=30):
    return subprocess.run(
        ["xdotool", *args], capture_output=True, text=True, timeout=timeout
    )


class App:
    """One `courtesy app` process and its window."""

    def __init__(self, binary, args, env, screen, logfile):
        self.screen = screen
        screen.masked = set()
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
            time.sleep(0.3)
        if self.window is None:
            raise RuntimeError(f"no app window after {timeout:.0f} s")
        xdo("windowfocus", "--sync", self.window)
        # Keep the pointer out of the way: the window margin at the bottom-left corner
        # holds no widget on any screen (hover would light up a reply or the chart).
        xdo("mousemove", "2", "797")
        # The first frames under lavapipe take a while: wait for a non-black screen
        # that has stopped changing.
        while time.monotonic() - start < timeout:
            _, f = self.screen.wait_stable(timeout=max(1.0, timeout - (time.monotonic() - start)))
            if f.ok and not f.black():
                return
            time.sleep(0.3)
        raise RuntimeError("the window stayed black")

    def focus(self):
        if self.window:
            xdo("windowfocus", "--sync", self.window)

    def key(self, *keys, what="", timeout=60.0, expect_change=True, settle=1.0):
        """Presses keys and waits for the screen to change and settle. Returns the
        settled frame."""
        self.focus()
        before = self.screen.grab()
        for k in keys:
            *mods, base = k.split("+")
            if mods:
                # Held as a person holds them: the app reads the modifiers once per frame,
                # and a frame under lavapipe is slow; pressed and released inside one
                # frame, Shift would be missed (Shift+Tab read as Tab).
                xdo("keydown", *mods)
                time.sleep(0.3)
                xdo("key", base)
                time.sleep(0.3)
                xdo("keyup", *mods)
            else:
                xdo("key", "--clearmodifiers", k)
            time.sleep(0.1)
        # Without expect_change, a key may leave the screen as it was: then this waits
        # `timeout` (a slow frame under lavapipe can take over a second to arrive).
        changed, frame = self.screen.wait_stable(before=before, timeout=timeout, settle=settle)
        if expect_change and not changed:
            raise RuntimeError(
                f"nothing changed on screen after pressing {'+'.join(keys)} ({what})"
            )
        return frame

    def type(self, text, what=""):
        self.focus()
        before = self.screen.grab()
        xdo("type", "--delay", "40", text, timeout=60)
        changed, _ = self.screen.wait_stable(before=before, timeout=30)
        if not changed:
            raise RuntimeError(f"typing `{text}` changed nothing on screen ({what})")

    def tab_to(self, label, locale, work, what, limit=30, back=False):
        """Presses Tab until the focused widget reads `label` (found by diffing the
        screen before and after each Tab: the widget that changed, other than the one
        that had the focus, is the one that has it now; OCR reads it). Returns the
        labels passed on the way; raises if `label` is not reached in `limit` Tabs."""
        passed = []
        prev_box = None
        before_frame = self.screen.grab()
        before = before_frame.gray()
        for _ in range(limit):
            frame = self.key("shift+Tab" if back else "Tab", what=f"Tab towards “{label}” ({what})",
                             timeout=4, expect_change=False, settle=0.6)
            after = frame.gray()
            comps = changed_boxes(before_frame, frame, self.screen.masked)
            before, before_frame = after, frame
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
            want = "".join(tokens(label, locale))

            def reads_label(text):
                got = "".join(tokens(text, locale))
                return got and difflib.SequenceMatcher(None, want, got, autojunk=False).ratio() >= 0.8

            text = ocr_crop(frame, prev_box, locale, work)
            passed.append(text or "?")
            matched = reads_label(text)
            for k in range(1, len(CROP_READINGS)):
                if matched:
                    break
                again = ocr_crop(frame, prev_box, locale, work, reading=k)
                if reads_label(again):
                    size, psm = CROP_READINGS[k]
                    passed[-1] += f" (read again at {size}, psm {psm}: “{again}”)"
                    matched = True
            if matched:
                log(f"  {'Shift+' if back else ''}Tab ×{len(passed)} to “{label}” ({what}): "
                    + " → ".join(passed))
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




def changed_boxes(a, b, masked=frozenset()):
    """Boxes (l, t, r, b) of the regions that differ between two frames, from 8-pixel
    cells joined with their neighbours."""
    cells = diff_cells(a, b, masked)
    if (-1, -1) in cells:
        return []
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


# How `ocr_crop` reads a widget: the first reading, then others for when it does not
# match what is expected (CI read the zh "学员易错点" tab at Extra large as "FRA"
# upscaled three times as one line; half that size, or as one word, it reads right).
CROP_READINGS = (("300%", "7"), ("150%", "7"), ("300%", "8"))


def ocr_crop(frame, bb, locale, work, reading=0):
    """OCR of one region (a single widget) of a Frame, as one line of text, read the
    `reading`-th way of CROP_READINGS."""
    ocr_crop.n = getattr(ocr_crop, "n", 0) + 1
    crop = os.path.join(work, f"tab-crop-{ocr_crop.n:03}.png")
    size, psm = CROP_READINGS[reading]
    l, t, r, b = bb
    subprocess.run(
        ["convert", "xwd:-", "-crop", f"{r - l}x{b - t}+{l}+{t}", "+repage", "-colorspace", "Gray",
         # Down to the widget's frame, then inside it (the focus stroke reads as "[" or "(").
         "-fuzz", "8%", "-trim", "+repage", "-shave", "3x3", "-fuzz", "8%", "-trim", "+repage",
         "-resize", size, "-bordercolor", "white", "-border", "20", crop],
        input=frame.raw, check=True, timeout=60,
    )
    lang = TESS_LANG[locale] + ("+eng" if locale != "en" else "")
    r = subprocess.run(
        ["tesseract", crop, "-", "-l", lang, "--psm", psm],
        capture_output=True, text=True, timeout=120,
    )
    return " ".join(r.stdout.split())


def verify(screen, png_name, labels, locale, work, what, timeout=20.0):
    """Raises unless OCR finds one of `labels` in the window above the status strip
    (to know which screen shows). Tries again while the screen still changes (a slow
    frame), up to `timeout` seconds."""
    labels = [labels] if isinstance(labels, str) else labels
    start = time.monotonic()
    best, png = 0.0, None
    while True:
        png = screen.save(os.path.join(work, png_name))
        bottom = strip_top(png)
        # Upscaled twice, tesseract reads body text best but can lose a large heading
        # (CI once read 50% of zh "最常见的不当回复" at Extra large, 100% at scale 1);
        # the same frame is read again at its own size before waiting for another.
        for scale, psm in ((2, 11), (1, 11), (1, 3)):
            words = ocr(png, locale, work, (0, 0, W, bottom), scale=scale, psm=psm)
            for label in labels:
                b, ratio, _, _ = find_label(words, label, locale, min_ratio=0.8)
                if b is not None:
                    return png
                best = max(best, ratio)
        if time.monotonic() - start > timeout:
            break
        screen.wait_stable(before=screen.last, timeout=max(1.0, timeout / 4))
    raise RuntimeError(
        f"expected {what} ({' or '.join(f'“{l}”' for l in labels)} on screen), best OCR "
        f"match {best:.0%} — see {png}"
    )


# ---------------------------------------------------------------------------- OCR
def png_gray(png):
    return subprocess.run(
        ["convert", png, "-colorspace", "Gray", "-depth", "8", "gray:-"],
        capture_output=True, check=True, timeout=60,
    ).stdout


def strip_top(png):
    """The y of the line that tops the status strip at the bottom of the window (a
    separator across the whole width); everything the screen shows lies above it.
    Without one, 45 px above the bottom."""
    g = png_gray(png)
    if len(g) < W * H:
        return H - 45
    for y in range(H - 2, H - 160, -1):
        row = g[y * W:(y + 1) * W]
        below = g[(y + 2) * W:(y + 3) * W] if y + 3 <= H else row
        v = max(set(row), key=row.count)
        u = max(set(below), key=below.count)
        if row.count(v) >= 0.9 * W and abs(v - u) >= 20:
            return y
    return H - 45


_OCR_CACHE = {}


def last_text_line(png, bottom, reach=90):
    """(top, bottom) of the lowest line of text above y = `bottom`: the rows, within
    `reach` px, that hold pixels clearly darker than the row's background (light
    theme) or lighter (dark), padded by 4 px."""
    g = png_gray(png)
    if len(g) < W * H:
        return bottom - 40, bottom

    def ink(y):
        row = g[y * W:(y + 1) * W]
        bg = max(set(row), key=row.count)
        return sum(1 for v in row if abs(v - bg) > 40) >= 3

    y = bottom - 2
    while y > bottom - reach and not ink(y):
        y -= 1
    last = y
    gap = 0
    while y > bottom - reach and gap <= 3:
        gap = 0 if ink(y) else gap + 1
        y -= 1
    first = y + gap + 1
    return max(0, first - 4), min(bottom, last + 5)


def ocr(png, locale, work, region=None, scale=2, psm=3):
    """OCR words with boxes (in screenshot pixels): list of dicts with text, left, top,
    width, height, conf, line key. `region` (l, t, r, b) crops first (default: the whole
    window); the crop is made grey, upscaled `scale` times (tesseract reads text some
    30 px high best), contrast-stretched and inverted when dark. `psm`: tesseract's page
    segmentation (3 a page, 6 a block of lines, 11 sparse text)."""
    with open(png, "rb") as f:
        key = (hashlib.sha1(f.read()).hexdigest(), locale, region, scale, psm)
    if key in _OCR_CACHE:
        return _OCR_CACHE[key]
    l, t, r, b = [int(v) for v in (region or (0, 0, W, H))]
    tag = "" if region is None else f"-{l}x{t}-{r}x{b}"
    base = os.path.join(work, os.path.basename(png)[:-4] + f"-ocr{tag}-p{psm}")
    prep = base + ".png"
    crop = ["-crop", f"{r - l}x{b - t}+{l}+{t}", "+repage"]
    # Mean brightness decides whether to negate (tesseract prefers dark on light).
    mean = subprocess.run(
        ["convert", png, *crop, "-colorspace", "Gray", "-format", "%[fx:mean]", "info:"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()
    ops = [*crop, "-colorspace", "Gray", "-resize", f"{scale * 100}%", "-normalize"]
    if float(mean or 1) < 0.5:
        ops.append("-negate")
    subprocess.run(["convert", png, *ops, prep], check=True, timeout=60)
    lang = TESS_LANG[locale] + ("+eng" if locale != "en" else "")
    subprocess.run(
        ["tesseract", prep, base, "-l", lang, "--psm", str(psm), "tsv"],
        capture_output=True, check=True, timeout=300,
    )
    words = []
    with open(base + ".tsv", encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for row in f:
            cols = row.rstrip("\n").split("\t")
            if len(cols) != len(header):
                continue
            rr = dict(zip(header, cols))
            if rr.get("level") != "5" or not rr.get("text", "").strip():
                continue
            words.append({
                "text": rr["text"].strip(),
                "left": l + int(rr["left"]) / scale,
                "top": t + int(rr["top"]) / scale,
                "width": int(rr["width"]) / scale,
                "height": int(rr["height"]) / scale,
                "conf": float(rr["conf"]),
                "line": (rr["block_num"], rr["par_num"], rr["line_num"]),
            })
    with open(base + ".txt", "w", encoding="utf-8") as f:
        f.write(lines_text(words))
    _OCR_CACHE[key] = words
    return words


def geo_lines(words):
    """The words grouped into lines by where they are (not by tesseract's blocks, which
    split a heading into two when its words lie far apart): words whose vertical middles
    lie within half a word height, left to right, split where the gap is over twice the
    height."""
    rows = []
    for w in sorted(words, key=lambda w: w["top"] + w["height"] / 2):
        mid = w["top"] + w["height"] / 2
        for r in rows:
            if abs(r["mid"] - mid) <= max(4.0, 0.5 * min(r["h"], w["height"])):
                r["ws"].append(w)
                break
        else:
            rows.append({"mid": mid, "h": w["height"], "ws": [w]})
    lines = []
    for r in rows:
        ws = sorted(r["ws"], key=lambda w: w["left"])
        cur = [ws[0]]
        for w in ws[1:]:
            gap = w["left"] - (cur[-1]["left"] + cur[-1]["width"])
            if gap > 2.0 * max(cur[-1]["height"], w["height"], 8.0):
                lines.append(cur)
                cur = []
            cur.append(w)
        lines.append(cur)
    return lines


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
    for ws in geo_lines([w for w in words if not region or inside(w, region)]):
        joined = " ".join(" ".join(tokens(w["text"], locale)) for w in ws)
        if skip_marker and skip_marker in joined.replace(" ", "" if locale != "en" else " "):
            continue
        # Every run of consecutive words on the line.
        for i in range(len(ws)):
            # A button's label: not after a colon, and capitalised as written.
            if button and (after_colon(ws, i) or (
                label[:1].isupper() and not ws[i]["text"].lstrip("“\"'(").startswith(label[:1]))):
                continue
            for j in range(i, len(ws)):
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
    # The transcript and replies: right of the customer's panel, above the status strip.
    words = ocr(png, locale, work, (236, 0, W, strip_top(png)), scale=2, psm=3)
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
    bottom = strip_top(png)
    band = (0, int(height * 0.6), W, bottom)
    readings = [ocr(png, locale, work, band, scale=3, psm=6),
                ocr(png, locale, work, band, scale=2, psm=11)]
    region = (0, height * 0.6, 10000, bottom)
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
    """The key hint at the bottom of the screen, right above the status strip, reads in
    full (nothing drawn over it, contrast enough for OCR: faint grey text fails)."""
    bottom = strip_top(png)
    top, bot = last_text_line(png, bottom)
    # The line alone, as one line of text (psm 7), cut a little differently and at two
    # scales (tesseract's reading of small text turns on a pixel or two), then the band
    # around it (psm 6): a hint that is really there reads in one of them.
    tries = [((0, top, W, bot), 3, 7), ((0, top - 2, W, min(bottom, bot + 2)), 4, 7),
             ((0, top + 1, W, bot), 3, 7),
             # Right of the customer panel's border (a "|" that OCR may join to the hint).
             ((242, top, W, bot), 3, 7), ((0, bottom - 70, W, bottom), 3, 6)]
    best = None
    for region, scale, psm in tries:
        words = ocr(png, locale, work, region, scale=scale, psm=psm)
        found = find_label(words, hint, locale, None, 0.95)
        if best is None or found[1] > best[1]:
            best = found
        if found[0] is not None:
            break
    b, ratio, ws, text = best
    # Whole: a badge over one end leaves the rest readable, so both ends must be there.
    want = "".join(tokens(hint, locale))
    got = "".join("".join(tokens(w["text"], locale)) for w in ws)
    if b is None or not (got.startswith(want[:3]) and got.endswith(want[-3:])):
        res.add(name, False, f"“{hint}” not readable in full: the best OCR reading is “{text}” "
                f"({ratio:.0%} alike, need 95% and both ends); covered or clipped — see {png}")
        return
    # Readable by OCR is not readable by a person: the text's own contrast against its
    # background (WCAG, from the darkest 1 % of its ink pixels) must reach 4.5:1.
    ratio = text_contrast(png, b)
    if ratio < 4.5:
        res.add(name, False, f"“{hint}” is too faint: contrast {ratio:.1f}:1 against its "
                f"background, need 4.5:1 — see {png}")
    else:
        res.add(name, True, f"reads “{text}”, contrast {ratio:.1f}:1")


def luminance(v):
    s = v / 255
    return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4


def text_contrast(png, bb):
    """WCAG contrast of the text in box `bb` (l, t, r, b): its background is the
    commonest grey there, its colour the darkest 1 % (lightest, on a dark background) of
    the pixels that differ clearly from it (antialiased edges are lighter than the
    text's real colour, so the ink's core is taken)."""
    g = png_gray(png)
    l, t, r, b = [int(v) for v in bb]
    px = [g[y * W + x] for y in range(max(0, t), min(H, b + 1)) for x in range(max(0, l), min(W, r + 1))]
    if not px:
        return 0.0
    bg = max(set(px), key=px.count)
    ink = sorted((v for v in px if abs(v - bg) > 25), key=lambda v: -abs(v - bg))
    if not ink:
        return 1.0
    core = ink[len(ink) // 100]
    hi, lo = max(luminance(bg), luminance(core)), min(luminance(bg), luminance(core))
    return (hi + 0.05) / (lo + 0.05)


def check_sideways(res, name, left_png, right_png, last_title, locale, work):
    """The last scenario's column is off screen before Shift+End and on it after."""
    def share(png):
        words = ocr(png, locale, work, (0, 0, W, strip_top(png)), scale=2, psm=11)
        return max((found_share(last_title, " ".join(w["text"] for w in line), locale)
                    for line in geo_lines(words)), default=0.0) if last_title else 0.0
    before, after = share(left_png), share(right_png)
    # A title wraps over up to four lines in its column: one line of it is enough.
    ok = before < 0.3 and after >= 0.3
    res.add(name, ok, f"the last column's title “{last_title}”: {before:.0%} of it read before, "
            f"{after:.0%} after (need under 30% before, 30% or more after)"
            + ("" if ok else f" — see {left_png}, {right_png}"))


def id_pattern(scenario_id):
    # The id as typed (lower case, hyphenated); OCR may read a hyphen as another dash.
    return re.compile(
        r"(?<![A-Za-z])" + r"[-–—_~]".join(re.escape(p) for p in scenario_id.split("-")) + r"(?![A-Za-z])"
    )


def check_dashboard(res, name, pngs, locale, work, scenario_id, title):
    text = "\n".join(lines_text(ocr(p, locale, work, (0, 0, W, strip_top(p)), scale=2, psm=11))
                     for p in pngs)
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
        def shot(n, verified=None):
            path = os.path.join(out, f"{n}-{tag}.png")
            if verified:
                shutil.copyfile(verified, path)
            else:
                cfg.screen.save(path)
            shots.setdefault(n, path)

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
        # "Manager" is the sign-in screen's last widget: Shift+Tab from the name field
        # wraps round to it (forwards it is a dozen Tabs away).
        try:
            app.tab_to(ui["manager"], locale, work, "sign-in screen", limit=3, back=True)
        except RuntimeError as e:
            log(f"  ({e}; going forwards)")
            app.tab_to(ui["manager"], locale, work, "sign-in screen")
        app.key("space", what="Manager")
        shot("manager-password", verify(cfg.screen, f"check-password-{tag}.png",
                                        [ui["unlock"], ui["password"]], locale, work,
                                        "the manager password screen"))
        app.type(cfg.password, "the password field has the focus")
        app.key("Return", what="unlock the manager area", timeout=180)
        shot("dashboard", verify(cfg.screen, f"check-dashboard-{tag}.png", ui["dashboard"],
                                 locale, work, "the manager dashboard after the password"))
        step = "completion grid"
        app.tab_to(ui["completion_tab"], locale, work, "manager dashboard")
        app.key("space", what=ui["completion_tab"])
        shot("completion-grid", verify(cfg.screen, f"check-grid-{tag}.png", ui["completion_title"],
                                       locale, work, "the completion grid after Space on its tab"))
        # The grid has a column per scenario, wider than the window: Shift+End scrolls
        # it to its last column (checked below: the last scenario's title shows).
        app.key("shift+End", what="scroll the completion grid to its right edge")
        shot("completion-grid-right")
        app.key("shift+Home", what="scroll the completion grid back to its left edge")
        step = "where learners go wrong"
        app.tab_to(ui["wrong_choices"], locale, work, "manager dashboard")
        app.key("space", what=ui["wrong_choices"])
        shot("wrong-choices", verify(cfg.screen, f"check-wrong-{tag}.png", ui["wrong_title"],
                                     locale, work, "the “where learners go wrong” tab after Space on it"))
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
    ap.add_argument("--recheck", metavar="DIR", help="run no app: check the screenshots an "
                    "earlier run left in DIR (its shots.json), e.g. to see a check fail on them")
    ap.add_argument("--sessions", help="locale:size pairs instead of every locale at every size, "
                    "e.g. en:normal,zh-CN:extra-large")
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
    if cfg.sessions:
        cfg.session_list = []
        for one in cfg.sessions.split(","):
            locale, _, size = one.partition(":")
            cfg.session_list.append((locale, size))
    else:
        cfg.session_list = [(l, z) for l in cfg.locales.split(",") for z in cfg.sizes.split(",")]
    for locale, size in cfg.session_list:
        if locale not in TESS_LANG:
            sys.exit(f"walkthrough: unknown locale {locale}; one of {', '.join(TESS_LANG)}")
        if size not in TEXT_SIZES:
            sys.exit(f"walkthrough: unknown text size {size}; one of {', '.join(TEXT_SIZES)}")
    cfg.paths, titles, cfg.last_titles = {}, {}, {}
    last = sorted(f for f in os.listdir(cfg.scenarios) if f.endswith(".ron"))[-1][:-4]
    for locale in dict.fromkeys(l for l, _ in cfg.session_list):
        cfg.last_titles[locale] = scenario_title(cfg.binary, cfg.scenarios, last, locale)
        cfg.paths[locale] = engine_path(cfg.binary, cfg.scenarios, cfg.scenario, cfg.seed, locale, 6)
        titles[locale] = scenario_title(cfg.binary, cfg.scenarios, cfg.scenario, locale)
        log(f"path ({locale}): " + ",".join(t["chosen"] for t in cfg.paths[locale]["transcript"]))

    all_shots = {}
    for locale, size in cfg.session_list:
        if size not in TEXT_SIZES:
            sys.exit(f"walkthrough: unknown text size {size}; one of {', '.join(TEXT_SIZES)}")
        tag = f"{locale.split('-')[0]}-{size}"
        log(f"== {tag}")
        shots = {}
        if cfg.recheck:
            # The checks alone, on the screenshots of an earlier run.
            with open(os.path.join(cfg.recheck, "shots.json")) as f:
                shots = {k: v for k, v in json.load(f).get(tag, {}).items() if os.path.exists(v)}
            if not shots:
                res.skip(f"{tag}: recheck", f"no screenshots of {tag} in {cfg.recheck}")
        else:
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
        # The titles: in the tables of "where learners go wrong" and the completion
        # grid (at Extra large the overview's first screen holds only the averages).
        dash = [shots[k] for k in ("dashboard", "wrong-choices", "completion-grid") if k in shots]
        if dash:
            check_dashboard(res, f"{tag}: manager dashboard shows titles", dash, locale, work,
                            cfg.scenario, titles[locale])
        else:
            res.skip(f"{tag}: manager dashboard", "manager area not reached")
        if "completion-grid-right" in shots:
            check_sideways(res, f"{tag}: completion grid scrolls sideways with Shift+End",
                           shots["completion-grid"], shots["completion-grid-right"],
                           cfg.last_titles[locale], locale, work)
        else:
            res.skip(f"{tag}: completion grid scrolls sideways", "completion grid not reached")

    if not cfg.recheck:
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
