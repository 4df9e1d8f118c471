"""Open the built documentation's key pages in headless Chromium and check what a
reader sees.

Usage (after a docs build, in the docs venv)::

    python doc/browser_check.py                      # doc/_build/html, key pages
    python doc/browser_check.py --screenshots DIR    # also a full-page PNG per page
    python doc/browser_check.py --all                # every page of the site

Each page is opened from the file system (``file://``, as a reader who downloaded
the site would) at a laptop's window size (1280 x 800 CSS pixels), with every host
name unresolvable, so nothing can come from the network. A page fails on:

* **raw TeX**: a formula MathJax did not typeset (``\\(...\\)`` left as text, or a
  MathJax error), or TeX delimiters in the text outside code;
* **broken tables**: a table whose number of rows differs from its source. Rows
  as written: a grid table's rows between its ``+---+`` lines, a list-table's
  items, and in a simple table one row per line, or, where its rows are separated
  by blank lines, one row per group of lines (docutils merges a line into the row
  above only when the line's first column is blank, so a wrapped first cell
  silently makes a new row: this is what the check catches);
* **images that do not load**;
* **text overflowing its block**: a code or output block, table, paragraph or
  formula wider than the column (a scroll bar hides part of it from the reader);
* **figures too small to read**: a gallery figure shown at less than
  ``MIN_FIGURE_SCALE`` of its pixel size (matplotlib's 10-point labels at 100 dpi
  are 14 pixels; at 0.6 they are 8), or one that is not a link to its full size.

Chromium and its driver are Debian's ``chromium`` and ``chromium-driver``; they
are installed with apt-get where missing (as root). The Python side is Selenium
(the ``docs`` extra).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WINDOW = (1280, 800)
MIN_FIGURE_SCALE = 0.6
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars",
    # Offline: no host name resolves, so a page that needs the network shows it.
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
# Pages every run checks; with --all, every HTML page of the site.
SKIPPED = {"genindex.html", "search.html", "py-modindex.html",
           "sg_execution_times.html"}


# ----------------------------------------------------------------------------------
# Tables as written in the source
# ----------------------------------------------------------------------------------

_SIMPLE_BORDER = re.compile(r"^(\s*)=+( +=+)+\s*$")
_GRID_BORDER = re.compile(r"^(\s*)\+([-=]+\+)+\s*$")
_LITERAL_DIRECTIVES = re.compile(r"^(\s*)\.\. (code-block|code|sourcecode|literalinclude|"
                                 r"math|raw|highlight|parsed-literal)::")


def _rows_of_lines(lines):
    """Rows of a simple table's section: one per line or, where the section has
    blank lines between its rows, one per group of lines."""
    groups, current = [], 0
    for line in lines:
        if re.fullmatch(r"\s*-[- ]*", line):  # a column-span underline, not a row
            continue
        if line.strip():
            current += 1
        elif current:
            groups.append(current)
            current = 0
    if current:
        groups.append(current)
    return len(groups) if len(groups) > 1 else sum(groups)


def _skip_literal(lines, i):
    """Index after the literal block (``::`` paragraph or code directive) at i."""
    indent = len(lines[i]) - len(lines[i].lstrip())
    j = i + 1
    while j < len(lines) and (not lines[j].strip()
                              or len(lines[j]) - len(lines[j].lstrip()) > indent):
        j += 1
    return j


def source_tables(text):
    """The tables in reStructuredText ``text``, in document order, as
    ``(kind, sections)``: a simple table's sections are its header's and its body's
    lines, a grid table's and a list-table's one section each (their rows)."""
    lines = text.splitlines()
    tables, i = [], 0
    while i < len(lines):
        line = lines[i]
        if _LITERAL_DIRECTIVES.match(line) or (
                line.rstrip().endswith("::") and not line.lstrip().startswith("..")):
            i = _skip_literal(lines, i)
            continue
        if re.match(r"^\s*\.\. list-table::", line):
            end = _skip_literal(lines, i)
            items = [ln for ln in lines[i + 1:end] if re.match(r"^\s*\* - ", ln)]
            first = min((len(ln) - len(ln.lstrip()) for ln in items), default=0)
            tables.append(("list", [[ln for ln in items
                                     if len(ln) - len(ln.lstrip()) == first]]))
            i = end
            continue
        if _GRID_BORDER.match(line):
            j = i + 1
            while j < len(lines) and lines[j].strip()[:1] in ("+", "|"):
                j += 1
            borders = [ln for ln in lines[i + 1:j] if _GRID_BORDER.match(ln)]
            tables.append(("grid", [borders]))
            i = j
            continue
        if _SIMPLE_BORDER.match(line):
            sections, current, j = [], [], i + 1
            while j < len(lines):
                if _SIMPLE_BORDER.match(lines[j]):
                    sections.append(current)
                    current = []
                    if j + 1 >= len(lines) or not lines[j + 1].strip():
                        break
                else:
                    current.append(lines[j])
                j += 1
            tables.append(("simple", sections))
            i = j + 1
            continue
        i += 1
    return tables


def source_table_rows(text):
    """Row counts of the tables in reStructuredText ``text``, as written."""
    return [sum(_rows_of_lines(section) for section in sections) if kind == "simple"
            else len(sections[0]) for kind, sections in source_tables(text)]


# ----------------------------------------------------------------------------------
# What the browser sees
# ----------------------------------------------------------------------------------

# Waits for MathJax (if the page loads it) and for every image, then reports.
PAGE_REPORT = r"""
const done = arguments[arguments.length - 1];
const article = document.querySelector('article.bd-article') || document.body;
const wait = ms => new Promise(r => setTimeout(r, ms));
async function settle() {
  document.querySelectorAll('img[loading="lazy"]').forEach(i => i.loading = 'eager');
  if (document.querySelector('.math') && window.MathJax) {
    for (let k = 0; k < 100 && !(MathJax.startup && MathJax.startup.promise); k++)
      await wait(100);
    if (MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  }
  for (let k = 0; k < 100; k++) {
    if ([...document.images].every(i => i.complete)) break;
    await wait(100);
  }
}
function describe(el) {
  const text = (el.innerText || el.getAttribute('src') || '').trim().split('\n')[0];
  return el.tagName.toLowerCase() + (el.className ? '.' + String(el.className)
    .split(' ')[0] : '') + ': ' + text.slice(0, 70);
}
settle().then(() => {
  const report = {rawTex: [], images: [], overflow: [], tables: [], figures: []};
  for (const el of article.querySelectorAll('.math')) {
    if (!el.querySelector('mjx-container') || el.querySelector('mjx-merror'))
      report.rawTex.push(describe(el));
  }
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode());) {
    if (node.parentElement.closest('pre, code, mjx-container, script, style, .math'))
      continue;
    if (/\\\(|\\\)|\\\[|\\\]|\\begin\{|\$\$/.test(node.textContent))
      report.rawTex.push('text: ' + node.textContent.trim().slice(0, 70));
  }
  for (const img of document.images) {
    if (!img.complete || img.naturalWidth === 0) report.images.push(describe(img));
  }
  const blocks = article.querySelectorAll(
    'pre, div.highlight, .pst-scrollable-table-container, table, p, li, dt, dd, ' +
    'div.math, mjx-container[display="true"], h1, h2, h3, figure, img');
  for (const el of blocks) {
    if (el.clientWidth === 0) continue;
    const parent = el.parentElement;
    if (el.scrollWidth > el.clientWidth + 1 ||
        el.getBoundingClientRect().right > article.getBoundingClientRect().right + 1)
      report.overflow.push(describe(el) + ` (${el.scrollWidth} px in ${el.clientWidth})`);
  }
  for (const table of article.querySelectorAll('table')) {
    if (table.classList.contains('autosummary')) continue;
    report.tables.push(table.querySelectorAll(':scope > * > tr, :scope > tr').length);
  }
  for (const img of article.querySelectorAll('img')) {
    if (!/sphx_glr_.*_\d{3}\.png/.test(img.getAttribute('src') || '')) continue;
    if (/thumb/.test(img.getAttribute('src'))) continue;
    const scale = img.getBoundingClientRect().width / img.naturalWidth;
    const link = img.closest('a');
    const name = path => (path || '').split('/').pop();
    const linked = link !== null &&
      name(link.getAttribute('href')) === name(img.getAttribute('src'));
    report.figures.push({src: img.getAttribute('src'), scale: scale, linked: linked});
  }
  done(report);
});
"""


def ensure_chromium():
    """Paths of chromium and chromedriver, installing Debian's packages if absent."""
    missing = [name for name in ("chromium", "chromedriver") if not shutil.which(name)]
    if missing:
        if os.geteuid() != 0:
            sys.exit(f"{', '.join(missing)} missing: apt-get install chromium "
                     "chromium-driver (as root)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium", "chromium-driver"],
                       check=True, env=env, stdout=subprocess.DEVNULL)
    return shutil.which("chromium"), shutil.which("chromedriver")


def start_browser(profile):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = ensure_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={profile}",
                                  "--window-size=%d,%d" % WINDOW]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    driver.set_script_timeout(60)
    return driver


def key_pages(site, every_page):
    """The pages to check, relative to the site's root."""
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                   if p.name not in SKIPPED and "_static" not in p.parts)
    if every_page:
        return pages
    # The user guide and the gallery, the API overview and the pages of the
    # estimators and modules (generated/skneural.<name>.html).
    return [page for page in pages if "/" not in page
            or page.startswith("auto_examples/")
            or re.fullmatch(r"generated/skneural\.[A-Za-z_]+\.html", page)]


def check_page(driver, site, page, screenshots):
    driver.set_window_size(*WINDOW)
    driver.get((site / page).as_uri())
    report = driver.execute_async_script(PAGE_REPORT)
    problems = [f"raw TeX: {item}" for item in report["rawTex"]]
    problems += [f"image does not load: {item}" for item in report["images"]]
    problems += [f"overflows its block: {item}" for item in report["overflow"]]
    source = site / "_sources" / (page[:-len(".html")] + ".rst.txt")
    if source.exists() and not page.startswith("generated/"):
        written = source_table_rows(source.read_text(encoding="utf-8"))
        if written != report["tables"]:
            problems.append(f"tables' rows: {report['tables']} rendered, {written} in "
                            "the source")
    for figure in report["figures"]:
        if figure["scale"] < MIN_FIGURE_SCALE:
            problems.append(f"figure shown at {figure['scale']:.2f} of its size: "
                            f"{figure['src']}")
        if not figure["linked"]:
            problems.append(f"figure is not a link to its full size: {figure['src']}")
    if screenshots is not None:
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(WINDOW[0], min(height, 16000))
        time.sleep(0.2)
        driver.save_screenshot(str(screenshots / (page.replace("/", "__")[:-5] + ".png")))
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", nargs="?", default=Path(__file__).parent / "_build/html",
                        type=Path, help="the built HTML site (default doc/_build/html)")
    parser.add_argument("--screenshots", type=Path, help="save a PNG per page here")
    parser.add_argument("--all", action="store_true", help="every page, not the key ones")
    args = parser.parse_args(argv)
    site = args.site.resolve()
    if not (site / "index.html").exists():
        sys.exit(f"no built site at {site}: build the docs first")
    if args.screenshots:
        args.screenshots.mkdir(parents=True, exist_ok=True)
    pages = key_pages(site, args.all)
    failures = 0
    with tempfile.TemporaryDirectory() as profile:
        driver = start_browser(profile)
        try:
            for page in pages:
                problems = check_page(driver, site, page, args.screenshots)
                failures += bool(problems)
                print(f"{'FAIL' if problems else 'ok  '} {page}")
                for problem in problems:
                    print(f"       {problem}")
        finally:
            driver.quit()
    print(f"pages: {len(pages) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
