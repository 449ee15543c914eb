"""The Runs tab with 10,000 runs: time from opening the tab to its first painted rows, in real
JupyterLab and Debian's Chromium (target < 1 s), beside JupyterLab's own file browser opening a
folder of 10,000 files on the same server and browser (the list JupyterLab users already wait for).

The runs are seeded as bench/runs_list.py seeds them (straight into beekeeper.db, 5 metric
summaries each), all in one project; the lab and browser are the browser tests' (tests/ui/conftest.py:
`jupyter lab` subprocess, headless Chromium via Playwright). Each sample reloads JupyterLab, then
times in the page, from the open command to the first animation frame after the first row is in
the DOM, so network, server, React and layout are all inside the figure (each Runs tab sample
on a freshly loaded JupyterLab with its layout reset; the file browser from `/` into the folder). Also shown: how many
rows the DOM holds (the window), and the time to jump to the last of the 10,000 rows (scrollTop to
the end, until that run's row is drawn) with the page requests it made: the table asks for the
pages that hold its window's rows only, so the jump loads the last page of 1,000 and nothing
between. Before (the history loaded page after page from the top until the window's end was
loaded, ten requests in a row) the same jump took 2-3 s, as measured last session; that code is
gone, so it does not run beside it. The baseline row beside it: the same jump in JupyterLab's file
browser, to the last of the 10,000 files.

    .venv/bin/python bench/runs_tab_paint.py [--runs 10000 --repeat 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from common import machine, print_header  # noqa: E402
from runs_list import populate  # noqa: E402


def _ui_conftest():
    """The browser tests' lab and browser (tests/ui/conftest.py, loaded by path: tests/ has a conftest too)."""
    spec = importlib.util.spec_from_file_location("ui_conftest", ROOT / "tests" / "ui" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ui = _ui_conftest()

PROJECT = "proj000"

# Resolves with ms from the call to the frame after `ready()` first holds (polled once a frame).
TIMED_OPEN = """async ([command, args, ready]) => {
  const isReady = new Function('return (' + ready + ')()');
  const t0 = performance.now();
  window.__bkT0 = t0;
  window.jupyterapp.commands.execute(command, args);
  await new Promise(resolve => { const tick = () => isReady() ? resolve() : requestAnimationFrame(tick); tick(); });
  await new Promise(resolve => requestAnimationFrame(() => setTimeout(resolve, 0)));
  return performance.now() - t0;
}"""

RUN_ROW = f"() => !!document.querySelector('#beekeeper-project-{PROJECT} .bk-runs-table tr[data-run]')"
FILE_ROW = ("() => { const t = document.querySelector('.jp-FileBrowser .jp-DirListing-content "
            ".jp-DirListing-itemText'); return !!t && t.textContent.startsWith('f0'); }")

# The Runs tab's first page request as the browser timed it (Resource Timing): [sent, answered] in ms
# after the open command, so the figure splits into the page's set-up, the server, and drawing.
FIRST_PAGE_MS = f"""() => {{
  const e = performance.getEntriesByType('resource')
    .filter(r => r.name.includes('projects/{PROJECT}/runs?limit=100') && r.startTime >= window.__bkT0);
  return e.length ? [e[0].startTime - window.__bkT0, e[0].responseEnd - window.__bkT0] : [NaN, NaN];
}}"""

# Resolves with [ms, history page requests made meanwhile] (the first page is already in).
JUMP_TO_END = """async (oldest) => {
  const scroller = document.querySelector('#beekeeper-project-%s .bk-runs-table-scroll');
  performance.setResourceTimingBufferSize(100000); // a lab's load may have filled the default 250
  const t0 = performance.now();
  const pages = () => performance.getEntriesByType('resource')
    .filter(r => r.name.includes('projects/%s/runs?') && r.name.includes('offset=') && r.startTime >= t0).length;
  scroller.scrollTop = scroller.scrollHeight;
  await new Promise(resolve => {
    const tick = () => {
      if (document.querySelector(`tr[data-run="${oldest}"]`)) { resolve(); return; }
      scroller.scrollTop = scroller.scrollHeight;
      requestAnimationFrame(tick);
    };
    tick();
  });
  return [performance.now() - t0, pages()];
}""" % (PROJECT, PROJECT)

# The file browser's listing scrolled to its end, until the last file's row is drawn (ms).
FILES_TO_END = """async (last) => {
  const scroller = document.querySelector('.jp-FileBrowser .jp-DirListing-content');
  const t0 = performance.now();
  await new Promise(resolve => {
    const tick = () => {
      const shown = [...document.querySelectorAll('.jp-FileBrowser .jp-DirListing-itemText')]
        .some(t => t.textContent === last);
      if (shown) { resolve(); return; }
      scroller.scrollTop = scroller.scrollHeight;
      requestAnimationFrame(tick);
    };
    tick();
  });
  return performance.now() - t0;
}"""


def fresh_lab(page, lab) -> None:
    """JupyterLab loaded anew with an empty layout (?reset: nothing restored from the last round)."""
    page.goto(f"{lab.url}lab?reset&token={lab.token}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands.hasCommand('beekeeper:open-project')")
    page.evaluate("() => window.jupyterapp.restored.then(() => true)")
    page.wait_for_selector(f"#beekeeper-sidebar [data-project='{PROJECT}']", state="attached", timeout=120_000)


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline-repeat", type=int, default=1)
    args = parser.parse_args()
    # A timeout's SIGTERM still stops the lab (its `finally`), which runs in its own session.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="bk-bench-paint-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        populate(root / "bkhome", args.runs, projects=1)
        many = root / "notebooks" / "many"
        many.mkdir(parents=True)
        for i in range(args.runs):
            (many / f"f{i:05d}.txt").write_bytes(b"")
        print(f"seeded {args.runs:,} runs and {args.runs:,} files in {time.perf_counter() - started:.1f} s", flush=True)
        lab = ui.Lab(root)
        tab, files, file_jumps, jumps, server, dom_rows = [], [], [], [], [], 0
        try:
            oldest = lab.api("GET", f"projects/{PROJECT}/runs?limit=1&sort=created")["runs"][0]["id"]
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=ui.CHROMIUM, args=ui.CHROMIUM_ARGS, headless=True)
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.set_default_timeout(120_000)
                for _ in range(args.repeat + 1):  # the first round warms the server and the browser cache
                    fresh_lab(page, lab)
                    tab.append(page.evaluate(TIMED_OPEN, ["beekeeper:open-project",
                                                          {"name": PROJECT, "tab": "runs"}, RUN_ROW]))
                    dom_rows = page.locator(f"#beekeeper-project-{PROJECT} tr[data-run]").count()
                    server.append(page.evaluate(FIRST_PAGE_MS))
                    jumps.append(page.evaluate(JUMP_TO_END, oldest))
                    print(f"  round {len(tab)}: Runs tab {tab[-1]:.0f} ms (first page asked at {server[-1][0]:.0f} ms, "
                          f"answered at {server[-1][1]:.0f} ms; {dom_rows} rows in the DOM), "
                          f"jump to the end {jumps[-1][0]:.0f} ms ({jumps[-1][1]} page request(s))", flush=True)
                # The baseline is slow (minutes on a busy box): --baseline-repeat rounds, none dropped.
                fresh_lab(page, lab)
                page.evaluate("() => window.jupyterapp.commands.execute('filebrowser:activate')")
                for _ in range(args.baseline_repeat):
                    page.evaluate("() => window.jupyterapp.commands.execute('filebrowser:go-to-path', {path: '/'})")
                    page.wait_for_selector(".jp-FileBrowser .jp-DirListing-item[title^='Name: many']")
                    files.append(page.evaluate(TIMED_OPEN, ["filebrowser:go-to-path", {"path": "/many/"}, FILE_ROW]))
                    file_jumps.append(page.evaluate(FILES_TO_END, f"f{args.runs - 1:05d}.txt"))
                    print(f"  file browser {files[-1]:.0f} ms, jump to the end {file_jumps[-1]:.0f} ms", flush=True)
                browser.close()
        finally:
            lab.stop()

    def row(name: str, samples: list[float], drop: int = 1) -> str:
        s = sorted(samples[drop:])
        return f"{name:<58} | {statistics.median(s):>9.0f} | {s[0]:>7.0f} | {s[-1]:>7.0f}"

    print(f"\nfirst paint, {args.runs:,} entries, headless Chromium, {args.repeat} Runs tab samples after one "
          f"warm-up, {args.baseline_repeat} file-browser sample(s), {machine()}\n")
    header = f"{'view':<58} | {'median ms':>9} | {'min ms':>7} | {'max ms':>7}"
    print_header(header)
    print(row(f"Beekeeper Runs tab, {args.runs:,} runs (windowed, paged)", tab))
    print(row("  of which: open → first page asked (page set-up)", [a for a, _b in server]))
    print(row("  of which: first page asked → answered (100 runs)", [b - a for a, b in server]))
    print(row("  of which: answered → rows painted (React, layout)", [t - b for t, (_a, b) in zip(tab, server)]))
    if files:
        print(row(f"JupyterLab file browser, folder of {args.runs:,} files", files, drop=0))
    print(row(f"Beekeeper Runs tab: jump to the last of {args.runs:,} rows", [ms for ms, _n in jumps]))
    if file_jumps:
        print(row(f"JupyterLab file browser: jump to the last of {args.runs:,} files", file_jumps, drop=0))
    print(f"\npage requests per jump to the end: {sorted(n for _ms, n in jumps[1:])} (before: 10 in a row, 2-3 s)")
    print(f"rows in the Runs tab's DOM at first paint: {dom_rows} of {args.runs:,}; "
          f"target: first paint < 1000 ms (median {statistics.median(sorted(tab[1:])):.0f} ms)")


if __name__ == "__main__":
    main()
