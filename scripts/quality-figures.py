#!/usr/bin/env python3
"""Teaching-quality figures of a scenario library as Markdown tables, for before/after notes.

    courtesy check --format json > q.json; scripts/quality-figures.py q.json
    courtesy check --format json | scripts/quality-figures.py

Reads the JSON `courtesy check --format json` prints (docs/validation.md, "Teaching
quality"); prints per scenario and locale every naive player's score (P = passes), the
cue shares and the random pass rate, then per scenario and for the library the trade-off
figures. Computes nothing itself: every number is the check's.
"""
import json
import sys


def pct(v):
    return "—" if v is None else f"{v * 100:.0f} %"


def main():
    src = open(sys.argv[1], encoding="utf-8") if len(sys.argv) > 1 else sys.stdin
    d = json.load(src)
    players = [(c, t) for c in ("longest", "polite", "consultative") for t in ("first", "last")]
    print("| scenario | locale | " + " | ".join(f"{c} ({t})" for c, t in players)
          + " | longest share | marker share | random pass |")
    print("|---|---|" + "---|" * len(players) + "---|---|---|")
    for s in d["scenarios"]:
        for l in s["quality"]["locales"]:
            cells = []
            for c, t in players:
                n = next((n for n in l["naive"] if n["cue"] == c and n["tie"] == t), None)
                if n is None or n["overall"] is None:
                    cells.append("—")
                else:
                    cells.append(f"{n['overall']:.1f}{' P' if n['passed'] else ''}")
            r = l["random"]
            print(f"| {s['scenario']} | {l['locale']} | " + " | ".join(cells)
                  + f" | {pct(l['longest_share']['share'])} | {pct(l['marker_share']['share'])}"
                  + f" | {r['rate'] * 100:.1f} % ({r['passed']}/{r['seeds']}) |")
    print()
    print("| scenario | steps | second strong reply (≥ 33 %) | best not top (≥ 20 %) | first component (≤ 60 %) |")
    print("|---|---|---|---|---|")
    rows = [(s["scenario"], s["quality"]["trade_offs"]) for s in d["scenarios"]]
    rows.append(("**library**", d["library"]["trade_offs"]))
    for name, t in rows:
        a, b = t["trade_off_share"], t["best_not_top_share"]
        print(f"| {name} | {a['steps']} | {pct(a['share'])} ({a['hits']}) | {pct(b['share'])} ({b['hits']})"
              f" | {pct(t['first_component'])} |")
    lib = d["library"]
    passed = lib["naive_passed"]
    print()
    print(f"Scenarios a naive player passes in some locale: {len(passed)} of {lib['scenarios']}"
          + (f" ({', '.join(passed)})" if passed else "") + ".")
    runs = [(l["locale"], n) for s in d["scenarios"] for l in s["quality"]["locales"] for n in l["naive"]]
    for c in ("longest", "polite", "consultative"):
        for loc in sorted({lo for lo, _ in runs}):
            won = {s["scenario"] for s in d["scenarios"] for l in s["quality"]["locales"] if l["locale"] == loc
                   for n in l["naive"] if n["cue"] == c and n["passed"]}
            print(f"- {c}, {loc}: passes {len(won)} of {lib['scenarios']} scenarios (either tie-break)")


if __name__ == "__main__":
    main()
