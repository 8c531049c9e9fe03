#!/usr/bin/env python3
"""Builds the release site (split and precompressed) and checks what a browser downloads.

Reports the brotli size of the JavaScript and WASM each page needs on its first load (the main
module, the split loader, and the page's chunks as the split manifest lists them) and of every
chunk, and fails when one passes its budget, so the commit that makes the portal heavier is the
one that goes red.

    scripts/size-budget.py            # build, then check
    scripts/size-budget.py --no-build # check the site already in target/site
"""

import glob
import json
import os
import subprocess
import sys

KB = 1000
# What the sign-in page and the patient's home need before they respond (JS + WASM, brotli).
FIRST_PAGES = {"page_login": "sign-in", "page_dashboard": "home"}
# The budgets are a ratchet: today's sizes plus a little room, so nothing grows unnoticed.
# They come down as the targets are reached (issue 12: 150 kB for the sign-in page and the
# home, 250 kB for any page); the main module alone (the Leptos runtime, router and shell) is
# about 230 kB today, so the targets need islands or a smaller runtime, not more splitting.
# Raised with the chart (2026-12-04): each lazy route adds a little to the main module (its
# entry in the router), and the chart's views are one chunk of 82 kB shared by "My health
# record" and a clinician's chart; splitting the clinicians' forms into a chunk of their own
# would bring it back under 75 kB (to do).
# Raised again with encounters, break-glass and the patient list (same day): four more lazy
# routes (home 360 -> 369 kB) and the chart's views now hold the encounter timeline and the
# medication list (a 95 kB chunk; the chart's first load 499 kB). To do: the clinicians' forms
# and the timeline in chunks of their own, then these come back down.
# Raised a third time with documents (2026-12-04): the chart's upload form sends the browser's
# FormData through a multipart server function (Leptos' `multipart` feature), 20 kB more on the
# chart and "My health record" (532 kB) and a 112 kB shared chunk. Same to do, now with the
# upload form among the clinicians' forms to split out (patients never use it).
# Raised a fourth time with walk-in registration and questions (2026-12-07): two pages and
# their routes, the invitation page, and the visit note's fields disabled until the page is
# interactive took the chart and "My health record" from 532 to 547 kB. The same to do stands:
# the clinicians' forms (upload, vitals, allergies, history) in a chunk of their own.
# Raised a fifth time with x-rays (2026-12-07): the chart and "My health record" list x-rays
# and carry their upload form (547 to 603 kB), and the doctor's dashboard counts x-rays to read
# (375 to 386 kB). The to do grows: the x-ray list and form belong in the clinicians' forms
# chunk too, and the dashboard's panels in one per role.
# Raised a sixth time with billing (2026-12-07): the dashboard's Bills panel (patients, desk)
# and the billing routes took the home page from 386 to 409 kB and the chart and "My health
# record" from 603 to 619 kB. The dashboard's panels, one chunk per role, come first now.
# Raised a seventh time with the reports (2026-12-07): the managers' and admins' "Last 30 days"
# panel took the home page from about 409 to 430 kB, and the code the report pages share with
# the chart moved into shared chunks (the chart and "My health record" 619 to 634 kB). Issue 12
# (a chunk per role's panels, the clinicians' forms apart) is the way back down.
# Raised an eighth time with the pharmacy (2026-12-07): every page grew by about 20 kB (home
# 430 to 449 kB, the chart 634 to 654 kB), and not by the pages' code: the five new routes grew
# the router's matching code in the main module (`scripts/wasm-size-report.py`: the nested
# `EitherOf3::choose` closure alone is 22 kB, `preload` 10 kB; each route adds a variant to
# both). Fewer top-level routes (one lazy route per section, matching its sub-paths inside its
# chunk) would take that back; with issue 12.
FIRST_PAGE_BUDGET = 455 * KB
FIRST_PAGE_TARGET = 150 * KB
# Any other page's first load.
PAGE_BUDGET = 660 * KB
PAGE_TARGET = 250 * KB
# One chunk: a page whose code grows past this should be split further.
CHUNK_BUDGET = 115 * KB

BUILD = ["cargo", "leptos", "build", "--release", "--split", "--precompress"]


def main() -> int:
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    os.chdir(root)
    if "--no-build" not in sys.argv:
        subprocess.run(BUILD, check=True)
    pkg = "target/site/pkg"

    def one(pattern: str) -> str:
        found = [p for p in glob.glob(os.path.join(pkg, pattern)) if not p.endswith((".br", ".gz"))]
        if len(found) != 1:
            sys.exit(f"size budget: expected one {pattern} in {pkg}, found {found} (built with --split?)")
        return found[0]

    def brotli(path: str) -> int:
        compressed = path + ".br"
        if not os.path.exists(compressed):
            sys.exit(f"size budget: {compressed} is missing (built with --precompress?)")
        return os.path.getsize(compressed)

    main_js = one("caduceus.*.js")
    main_wasm = one("caduceus.*.wasm")
    split_js = one("__wasm_split.*.js")
    with open(one("__wasm_split_manifest.*.json")) as f:
        manifest = json.load(f)
    css = one("caduceus.*.css")

    shared = brotli(main_js) + brotli(main_wasm) + brotli(split_js)
    failures = []

    print("Every page loads first (brotli):")
    for path in (main_js, main_wasm, split_js):
        print(f"  {os.path.basename(path):<52} {brotli(path) / KB:8.1f} kB")
    print(f"  {'(and the stylesheet ' + os.path.basename(css) + ')':<52} {brotli(css) / KB:8.1f} kB")

    print("\nChunks (brotli):")
    chunks = sorted(p for p in glob.glob(os.path.join(pkg, "*.wasm")) if p != main_wasm)
    for path in chunks:
        size = brotli(path)
        over = size > CHUNK_BUDGET
        print(f"  {os.path.basename(path):<52} {size / KB:8.1f} kB{'  OVER ' + str(CHUNK_BUDGET // KB) + ' kB' if over else ''}")
        if over:
            failures.append(f"chunk {os.path.basename(path)} is {size / KB:.1f} kB (budget {CHUNK_BUDGET / KB:.0f} kB)")

    print("\nFirst load of each page, JS + WASM (brotli):")
    pages = {name: files for name, files in manifest.items() if name.startswith("page_")}
    if not set(FIRST_PAGES) <= set(pages):
        sys.exit(f"size budget: the manifest has no {sorted(set(FIRST_PAGES) - set(pages))}: are those pages still lazy?")
    for name in sorted(pages):
        size = shared + sum(brotli(os.path.join(pkg, f + ".wasm")) for f in pages[name])
        budget, target = (FIRST_PAGE_BUDGET, FIRST_PAGE_TARGET) if name in FIRST_PAGES else (PAGE_BUDGET, PAGE_TARGET)
        label = f"{name} ({FIRST_PAGES[name]})" if name in FIRST_PAGES else name
        over = size > budget
        reached = "target reached" if size <= target else f"target {target / KB:.0f} kB"
        files = 3 + len(pages[name])
        print(f"  {label:<40} {files:4d} files {size / KB:8.1f} kB   budget {budget / KB:.0f} kB, {reached}{'  OVER' if over else ''}")
        if over:
            failures.append(f"{label} first load is {size / KB:.1f} kB (budget {budget / KB:.0f} kB)")

    if failures:
        print("\nSize budget exceeded:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    print("\nWithin budget.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
