r"""A reader's check of the rendered book, ``_build/html`` (built by ``make book``).

* Every page parses, every internal link (``href``/``src`` without a scheme) resolves to a file
  of the build and, when it names an anchor of an HTML page, to an ``id`` on that page.
* Every chapter listed in ``_toc.yml`` has a page, and every chapter page shows at least one figure
  whose image file exists.
* Every citation renders with a year: no "n.d." on any page.
* Headless Chromium, with the network off (every host unresolvable, every request sent to a closed
  proxy), screenshots the landing page and three chapters into ``_build/screenshots/`` (not
  committed): each must be a PNG of the requested size that is not blank.
* On an offline copy of the book, Chromium runs a probe script on the introduction and two chapters
  with math: MathJax (served from ``_static/mathjax``, no CDN) has typeset every formula and no raw
  ``\(`` or ``\[`` delimiter is left; and on a sample of chapters the text column does not scroll
  sideways, nor does any code or printed block or figure run past it.

Skipped when the book has not been built; the browser checks are skipped without Chromium.
Look at the screenshots: these checks catch a broken page, not a badly laid out one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import struct
import subprocess
from functools import cache
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from fa_companion.tools.book import toc_chapters

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
WINDOW = (1280, 2000)
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

needs_html = pytest.mark.skipif(
    not (HTML / "index.html").is_file(), reason="build the book first (make book)"
)

LINK_ATTRIBUTES = {"a": "href", "link": "href", "img": "src", "script": "src", "source": "src"}


class Page(HTMLParser):
    """The links, images, ids and meta refresh of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []  # (tag, url)
        self.images: list[str] = []
        self.ids: set[str] = set()
        self.refresh: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v for k, v in attrs if v is not None}
        for key in ("id", "name"):
            if key in a:
                self.ids.add(a[key])
        url = a.get(LINK_ATTRIBUTES.get(tag, ""))
        if url is not None:
            self.links.append((tag, url))
        if tag == "img" and "src" in a:
            self.images.append(a["src"])
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            _, _, target = a.get("content", "").partition("url=")
            self.refresh = target.strip() or None


@cache
def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def internal_target(page: Path, url: str) -> tuple[Path, str] | None:
    """``(file, anchor)`` an internal ``url`` of ``page`` points to; None for external URLs and
    bare anchors (``#...``) of the page itself are ``(page, anchor)``."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None  # http(s), mailto, data, javascript, //host ...
    if not parts.path:
        return page, unquote(parts.fragment)
    return (page.parent / unquote(parts.path)).resolve(), unquote(parts.fragment)


def html_pages() -> list[Path]:
    skip = {"_static", "_sources", "_images"}
    return sorted(p for p in HTML.rglob("*.html") if not skip & set(p.relative_to(HTML).parts[:-1]))


def chapter_pages() -> list[Path]:
    return sorted((HTML / "book").glob("[0-9][0-9]_*.html"))


def landing_page() -> Path:
    """``index.html``, or the page its meta refresh sends the reader to (Jupyter Book writes a
    redirect to the root page)."""
    index = HTML / "index.html"
    target = parse(index).refresh
    return (index.parent / target).resolve() if target else index


# ---- (a) links and figures ----------------------------------------------------------------------


@needs_html
def test_every_toc_chapter_has_a_page():
    pages = {p.stem for p in (HTML / "book").glob("*.html")}  # chapters and executed pages
    missing = [c for c in toc_chapters(ROOT / "book") if c not in pages]
    assert not missing, f"chapters in _toc.yml without a page (rebuild: make book): {missing}"
    assert chapter_pages(), "no chapter pages book/NN_*.html"


@needs_html
def test_landing_page_resolves():
    page = landing_page()
    assert page.is_file(), f"index.html redirects to a missing page: {page}"


@needs_html
def test_internal_links_resolve():
    broken: list[str] = []
    for page in html_pages():
        for tag, url in parse(page).links:
            target = internal_target(page, url)
            if target is None:
                continue
            path, anchor = target
            where = f"{page.relative_to(HTML)}: <{tag}> {url}"
            if not path.is_file():
                broken.append(f"{where} (no file)")
            elif anchor and path.suffix == ".html" and anchor not in parse(path).ids:
                broken.append(f"{where} (no id {anchor!r})")
    assert not broken, f"{len(broken)} broken internal links:\n" + "\n".join(broken[:50])


@needs_html
def test_every_citation_has_a_year():
    undated = [
        str(page.relative_to(HTML))
        for page in html_pages()
        if re.search(r"\bn\.\s?d\.", page.read_text(encoding="utf-8"))
    ]
    assert not undated, f"'n.d.' (a reference without a year) on: {undated}"


@needs_html
@pytest.mark.parametrize("page", chapter_pages(), ids=lambda p: p.stem)
def test_chapter_page_shows_a_figure(page):
    figures = []
    for src in parse(page).images:
        target = internal_target(page, src)
        if target is not None and "_images" in target[0].parts:
            figures.append(target[0])
    assert figures, f"{page.name}: no figure (<img> from _images/)"
    missing = [f.name for f in figures if not f.is_file() or f.stat().st_size == 0]
    assert not missing, f"{page.name}: figure files missing or empty: {missing}"


# ---- (b) screenshots with headless Chromium -----------------------------------------------------


def chromium() -> str | None:
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        return shutil.which(explicit)
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


# The network off: no host resolves, and every http(s) request goes to a closed local port.
OFFLINE = ["--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9"]
# Time for the page's scripts (MathJax typesets after load) before the screenshot or DOM dump.
SCRIPT_TIME_MS = 20000


def run_chromium(browser: str, page: Path, action: str, profile: Path, timeout: float = 120) -> str:
    """Chromium, headless and offline, on ``page`` with ``action`` (``--screenshot=...`` or
    ``--dump-dom``) at :data:`WINDOW`; returns its stdout (the DOM for ``--dump-dom``) followed by
    its stderr."""
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        *OFFLINE,
        f"--virtual-time-budget={SCRIPT_TIME_MS}",
        f"--user-data-dir={profile}",
        action,
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        page.as_uri(),
    ]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: a timeout ends all its processes
    )
    try:
        output, errors = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"chromium took more than {timeout:g} s on {page}")
    return output + errors


def screenshot(browser: str, page: Path, out: Path, profile: Path, timeout: float = 120) -> str:
    """Screenshot ``page`` into ``out`` at :data:`WINDOW`; returns Chromium's output."""
    out.unlink(missing_ok=True)
    return run_chromium(browser, page, f"--screenshot={out}", profile, timeout)


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    assert head[12:16] == b"IHDR", f"{path.name}: no IHDR chunk"
    return struct.unpack(">II", head[16:24])


def blank_stats(path: Path) -> tuple[float, float]:
    """(standard deviation of the grey levels, fraction of pixels away from the most common
    grey level), grey levels in [0, 1]."""
    import matplotlib.image
    import numpy as np

    rgb = matplotlib.image.imread(str(path))[..., :3].astype(np.float64)
    if rgb.max() > 1:
        rgb /= 255
    grey = rgb.mean(axis=-1)
    levels, counts = np.unique(np.round(grey * 255), return_counts=True)
    background = levels[counts.argmax()] / 255
    return float(grey.std()), float(np.mean(np.abs(grey - background) > 0.1))


def screenshot_pages() -> list[tuple[str, Path]]:
    chapters = chapter_pages()
    picks = sorted({0, len(chapters) // 2, len(chapters) - 1}) if chapters else []
    return [("index", landing_page())] + [(chapters[i].stem, chapters[i]) for i in picks]


def need_chromium() -> str:
    browser = chromium()
    if browser is None:
        pytest.skip(
            "chromium not found: install it (Debian/Ubuntu: apt-get install -y chromium) "
            "or set $CHROMIUM to a Chrome/Chromium binary"
        )
    return browser


@needs_html
def test_screenshots_are_not_blank(tmp_path):
    browser = need_chromium()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages = screenshot_pages()
    assert len(pages) == 4, "need the landing page and three chapter pages"
    problems = []
    for name, page in pages:
        out = SCREENSHOTS / f"{name}.png"
        log = screenshot(browser, page, out, tmp_path / "profile")
        if not out.is_file():
            problems.append(f"{name}: no screenshot; chromium said:\n{log[-2000:]}")
            continue
        size = png_size(out)
        std, ink = blank_stats(out)
        if size != WINDOW:
            problems.append(f"{name}: {size[0]}×{size[1]} pixels, expected {WINDOW}")
        if std < 0.05 or ink < 0.01:
            problems.append(f"{name}: looks blank (grey std {std:.3f}, {ink:.1%} non-background)")
    assert not problems, "\n".join(problems)


# ---- (c) math and page width, measured in the browser on an offline copy ---------------------

# Runs after the page's scripts (and MathJax's typesetting) and writes what it measured, as JSON,
# into <pre id="fa-probe">, which --dump-dom then prints.
PROBE = r"""
<script>
window.addEventListener("load", function () {
  var mj = window.MathJax;
  var ready = (mj && mj.startup && mj.startup.promise) || Promise.resolve();
  ready.then(function () {
    var column = document.querySelector("article.bd-article") || document.querySelector("main");
    var right = column.getBoundingClientRect().right;
    var wide = [];
    column.querySelectorAll("pre, img").forEach(function (el) {
      var over = el.scrollWidth - el.clientWidth, past = el.getBoundingClientRect().right - right;
      if (over > 1 || past > 1)
        wide.push(el.tagName.toLowerCase() + " " + Math.round(Math.max(over, past)) + " px: " +
                  (el.tagName === "IMG" ? el.getAttribute("src") : el.textContent.slice(0, 80)));
    });
    var text = column.innerText;
    var out = {
      column: [column.scrollWidth, column.clientWidth],
      page: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
      typeset: document.querySelectorAll("mjx-container").length,
      raw: (text.match(/\\\(|\\\[/g) || []).length,
      wide: wide,
      mathjax: Array.from(document.scripts).map(function (s) { return s.src; })
                    .filter(function (s) { return /mathjax/i.test(s); })
    };
    var pre = document.createElement("pre");
    pre.id = "fa-probe";
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  });
});
</script>
"""
PROBE_OUTPUT = re.compile(r'<pre id="fa-probe"[^>]*>(.*?)</pre>', re.S)

# Pages with math: the introduction (inline), chapter 01 (display), chapter 03 (inline).
MATH_PAGES = ("intro", "01_open_loop_alignment", "03_autocorrelation_and_wn")
# A sample of chapters for the page-width check: long code cells, wide tables and many-panel figures.
WIDTH_PAGES = ("02_alignment_terms", "08_trainability", "11_corruption_robustness", "14_synthesis")


@pytest.fixture(scope="module")
def offline_copy(tmp_path_factory) -> Path:
    """A copy of ``_build/html`` elsewhere on disk (the archived artifact a reader opens)."""
    if not (HTML / "index.html").is_file():
        pytest.skip("build the book first (make book)")
    copy = tmp_path_factory.mktemp("book") / "html"
    shutil.copytree(HTML, copy)
    return copy


def probe(browser: str, copy: Path, stem: str, profile: Path) -> dict:
    page = copy / "book" / f"{stem}.html"
    if not page.is_file():
        pytest.skip(f"no page book/{stem}.html in this build")
    html = page.read_text(encoding="utf-8")
    page.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    log = run_chromium(browser, page, "--dump-dom", profile)
    found = PROBE_OUTPUT.findall(log)
    assert found, f"{stem}: the probe did not report; chromium said:\n{log[-2000:]}"
    result = json.loads(unescape(found[-1]))
    result["math_in_source"] = len(re.findall(r'class="math notranslate', html))
    return result


@needs_html
@pytest.mark.parametrize("stem", MATH_PAGES)
def test_math_renders_offline(stem, offline_copy, tmp_path):
    browser = need_chromium()
    result = probe(browser, offline_copy, stem, tmp_path / "profile")
    assert result["math_in_source"], f"{stem}: no math on the page (pick another page)"
    assert result["mathjax"], f"{stem}: no MathJax script on the page"
    remote = [src for src in result["mathjax"] if not src.startswith("file:")]
    assert not remote, f"{stem}: MathJax loads from the network: {remote}"
    assert result["typeset"] >= result["math_in_source"], (
        f"{stem}: {result['typeset']} formulas typeset of {result['math_in_source']}"
    )
    assert result["raw"] == 0, f"{stem}: {result['raw']} raw \\( or \\[ delimiters left"


@needs_html
@pytest.mark.parametrize("stem", WIDTH_PAGES)
def test_chapter_fits_the_text_column(stem, offline_copy, tmp_path):
    browser = need_chromium()
    result = probe(browser, offline_copy, stem, tmp_path / "profile")
    scroll, client = result["column"]
    assert scroll <= client + 1, f"{stem}: the text column scrolls sideways ({scroll} > {client} px)"
    scroll, client = result["page"]
    assert scroll <= client + 1, f"{stem}: the page scrolls sideways ({scroll} > {client} px)"
    assert not result["wide"], f"{stem}: wider than the text column:\n" + "\n".join(result["wide"])


def test_blank_detector(tmp_path):
    import matplotlib.image
    import numpy as np

    white = np.ones((40, 60, 3))
    matplotlib.image.imsave(tmp_path / "white.png", white)
    assert png_size(tmp_path / "white.png") == (60, 40)
    assert blank_stats(tmp_path / "white.png") == (0.0, 0.0)
    page = white.copy()
    page[5:35:3, 5:55] = 0.1  # lines of "text"
    matplotlib.image.imsave(tmp_path / "page.png", page)
    std, ink = blank_stats(tmp_path / "page.png")
    assert std > 0.05 and ink > 0.01
