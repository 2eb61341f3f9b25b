"""Mermaid rendering in Debian's headless Chromium, driven by Playwright. This module owns both.

The real mermaid.js (pinned in package.json, installed by ``npm ci``) renders each block in a
warm browser page, initialized once; the node and subgraph boxes are measured in the page, and
blocks shown on cards are rasterized by the browser itself (labels are HTML in
``foreignObject``): drawn as an image on a canvas in the page, or screenshot where the page
refuses that, and stored as compact WebP. ``workers`` pages render in parallel, each taking
whole pages of the checkout; each render has a timeout. Results go to the render cache, which
keeps what lasts (see ``cache.py``).
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import io
import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from deckbuilder.core.mermaid_source import label_lines, repair
from deckbuilder.core.occlusion import Box, raster_scale
from deckbuilder.diagrams.api import BlockSelection
from deckbuilder.diagrams.cache import RenderCache, RenderRecord
from deckbuilder.diagrams.errors import DiagramError
from deckbuilder.diagrams.selection import blocks_used, image_blocks, needs_image_in_all

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
    "--disable-extensions", "--disable-domain-reliability", "--no-pings", "--allow-browser-signin=false",
    # The component updater and the account check of Debian's Chromium still ask for Google's hosts
    # with the flags above: resolve every host name to "not found" inside the browser, so a build
    # makes no DNS lookup at all (the renderer page loads nothing from the network anyway).
    "--host-resolver-rules=MAP * ~NOTFOUND",
)
# Images: a palette of this many colours, stored as lossless WebP at libwebp's quickest effort
# that still keeps the files small (method 1, quality 0: half the time of method 4 for ~20 % more bytes).
PALETTE_COLOURS = 64
WEBP_METHOD = 1
WEBP_QUALITY = 0
MERMAID_CONFIG = {
    "startOnLoad": False,
    "securityLevel": "strict",
    "maxTextSize": 500_000,
    "maxEdges": 2000,
    "flowchart": {"useMaxWidth": False, "htmlLabels": True},
    "sequence": {"useMaxWidth": False},
    "gantt": {"useMaxWidth": False},
    "journey": {"useMaxWidth": False},
    "timeline": {"useMaxWidth": False},
    "class": {"useMaxWidth": False},
    "state": {"useMaxWidth": False},
    "er": {"useMaxWidth": False},
    "pie": {"useMaxWidth": False},
    "quadrantChart": {"useMaxWidth": False},
    "xyChart": {"useMaxWidth": False},
    "requirement": {"useMaxWidth": False},
    "mindmap": {"useMaxWidth": False},
    "gitGraph": {"useMaxWidth": False},
    "sankey": {"useMaxWidth": False},
}
PAGE_HTML = (
    "<!doctype html><html><head><meta charset='utf-8'><style>"
    "html,body{margin:0;padding:0;background:#fff}"
    "#host{position:absolute;left:0;top:0;display:inline-block;background:#fff}"
    "#host svg{display:block}"
    "</style></head><body><div id='host'></div></body></html>"
)
# The page is as wide as a desktop window, since Mermaid's full-width diagrams (gantt, pie, …)
# take the page's width, but only 16 px tall: diagrams are measured in it and drawn on a canvas,
# never looked at, and a tall page made the browser paint and composite every new diagram in
# view for nothing (about a quarter of the rendering time). The records of all 3,008 blocks of
# the shared checkout and media/ are the same as at 1600 × 1200.
VIEWPORT = {"width": 1600, "height": 16}
RENDER_JS = Path(__file__).with_name("render.js")
SPEEDUPS_JS = Path(__file__).with_name("speedups.js")

FAST_CONFIG_FOR = "12.3.0"  # the Mermaid build speed_up_mermaid was written for (package.json pins it)
# mermaid.min.js: ``<name>=<helper>(()=><merge>({},<current>),"getConfig")``, where <merge> is the
# bundle's assignWithDepth (named ``…,"assignWithDepth"),<merge>=<fn>``).
_GET_CONFIG = re.compile(r'(?P<head>[\w$]+=[\w$]+\(\(\)=>)(?P<merge>[\w$]+)\(\{\},(?P<current>[\w$]+)\)(?P<tail>,"getConfig"\))')
_MERGE_NAME = re.compile(r',"assignWithDepth"\),(?P<merge>[\w$]+)=[\w$]+[;,}]')
# ``fromText(t,a={}){let s=…,l=<getConfig>(),``: Diagram.fromText, whose copy goes to the diagram's init().
_FROM_TEXT = re.compile(r'fromText\([\w$]+,[\w$]+=\{\}\)\{let [^;]{0,120}?,[\w$]+=(?P<get>[\w$]+)\(\),')
# ``<name>=<helper>(r=>(<update>(<current>,[r]),<getConfig>()),"setConfig")``
_SET_CONFIG = re.compile(r'[\w$]+=[\w$]+\((?P<arg>[\w$]+)=>\([\w$]+\([\w$]+,\[(?P<arg2>(?P=arg))\]\),'
                         r'(?P<get>[\w$]+)\(\)\),"setConfig"\)')
# ``<name>=<helper>((<text>,<config>)=>…DOMPurify…FORBID_TAGS:["style"]…,"sanitizeText")``: the
# function is wrapped where it is named.
_SANITIZE_END = ',"sanitizeText")'
_SANITIZE_BODY = 'FORBID_TAGS:["style"]'
_SANITIZE_HEAD = re.compile(r'[\w$]+=[\w$]+\((?=\([\w$]+,[\w$]+\)=>)')


@dataclass(frozen=True)
class BlockJob:
    key: str  # render cache key
    source: str  # as written
    repaired: str | None  # after the safe repairs, when they change anything
    record: RenderRecord | None = None  # cached record, if any
    has_image: bool = False  # its image is cached


@dataclass(frozen=True)
class PageJob:
    """The blocks of one page, rendered in order by one worker until the page's ``selection``
    is decided (see ``selection.py``); then each block that gets an image is rasterized."""

    page: str
    blocks: tuple[BlockJob, ...]
    selection: BlockSelection


def find_mermaid_js(start: Path | None = None) -> Path:
    """``node_modules/mermaid/dist/mermaid.min.js`` in the project (or a folder above ``start``)."""
    here = (start or Path(__file__)).resolve()
    for folder in [here, *here.parents]:
        candidate = folder / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
        if candidate.is_file():
            return candidate
    raise DiagramError(
        "mermaid.js is not installed (node_modules/mermaid/dist/mermaid.min.js not found) — "
        "run `npm ci` in the project folder (package.json pins the version)"
    )


def mermaid_version(mermaid_js: Path) -> str:
    """The version in mermaid's package.json (beside ``dist/``)."""
    try:
        package = json.loads((mermaid_js.parent.parent / "package.json").read_text(encoding="utf-8"))
        return str(package["version"])
    except (OSError, ValueError, KeyError) as exc:
        raise DiagramError(f"{mermaid_js.parent.parent / 'package.json'}: no mermaid version ({exc}) — run `npm ci`") from None


def chromium_version(chromium: Path) -> str:
    """``chromium --version`` (e.g. ``Chromium 156.0.8078.114 built on Debian …``)."""
    try:
        done = subprocess.run([str(chromium), "--version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DiagramError(f"Chromium at {chromium} does not start: {exc}") from None
    version = done.stdout.strip()
    if done.returncode != 0 or not version:
        raise DiagramError(f"Chromium at {chromium} does not start: `--version` exited with {done.returncode}")
    return version


def default_jobs() -> int:
    """Parallel browser pages: one per CPU this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def speed_up_mermaid(bundle: str) -> str | None:
    """mermaid.min.js with getConfig's copy made once per configuration (``atlasConfig``) and
    sanitizeText's answers remembered (``atlasSanitizeOnce``), both in speedups.js and both
    giving what Mermaid's own give; None when the bundle is not the one this was written for."""
    merge = _MERGE_NAME.findall(bundle)
    calls = list(_GET_CONFIG.finditer(bundle))
    if len(merge) != 1 or len(calls) != 1 or calls[0].group("merge") != merge[0]:
        return None
    call = calls[0]
    get_config = call.group("head").split("=", 1)[0]
    bundle = (bundle[:call.start()] + call.group("head") + f"atlasConfig({call.group('current')})"
              + call.group("tail") + bundle[call.end():])
    # Diagram.fromText hands its copy to the diagram's init(), which writes to it: a fresh one.
    starts = [m for m in _FROM_TEXT.finditer(bundle) if m.group("get") == get_config]
    if len(starts) != 1:
        return None
    call = starts[0]
    bundle = bundle[:call.start("get")] + f"atlasUnshared({get_config}())" + bundle[call.end("get") + 2:]
    # setConfig(conf) sanitizes ``conf`` in place (it deletes the keys a diagram may not set), and
    # Mermaid passes it getConfig()'s copy: a shared copy is given a fresh one to delete from.
    setters = list(_SET_CONFIG.finditer(bundle))
    if len(setters) != 1 or setters[0].group("get") != get_config:
        return None
    call = setters[0]
    bundle = bundle[:call.start("arg2")] + f"atlasUnshared({call.group('arg')})" + bundle[call.end("arg2"):]
    # Mermaid's own sanitizeText (the others in the bundle call it) is the one that runs DOMPurify.
    found = []
    for end in (m.start() for m in re.finditer(re.escape(_SANITIZE_END), bundle)):
        heads = list(_SANITIZE_HEAD.finditer(bundle, max(0, end - 400), end))
        function = bundle[heads[-1].end():end] if heads else ""
        if _SANITIZE_BODY in function and _balanced(function):
            found.append((heads[-1].end(), end))
    if len(found) != 1:
        return None
    start, end = found[0]
    return bundle[:start] + "atlasSanitizeOnce(" + bundle[start:end] + ")" + bundle[end:]


def _balanced(code: str) -> bool:
    """Whether brackets pair up in a stretch of minified code (no strings with brackets in it)."""
    depth = 0
    for char in code:
        depth += (char in "([{") - (char in ")]}")
        if depth < 0:
            return False
    return depth == 0


def encode_image(png: bytes) -> bytes:
    """The browser's PNG as lossless WebP of a palette image (flat diagram colours survive,
    text stays sharp, the file shrinks several times)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        palette = image.convert("RGB").quantize(PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE)
        out = io.BytesIO()
        palette.save(out, "WEBP", lossless=True, quality=WEBP_QUALITY, method=WEBP_METHOD)
        return out.getvalue()


class Renderer:
    """Renders page jobs into the cache with ``workers`` warm pages in one browser.

    After :meth:`run`, ``records`` holds every record made in this run (cached or not: a
    timeout is only here), ``images`` every image made, and ``capture_failures`` the blocks
    whose image could not be made (never cached, so the next build tries again).
    """

    def __init__(self, cache: RenderCache, *, mermaid_js: Path, chromium: Path = CHROMIUM,
                 workers: int = 2, timeout: float = 30.0, on_page: Callable[[], None] | None = None,
                 extra_args: Sequence[str] = (), speed_up: bool = True):
        self.cache = cache
        self.mermaid_js = mermaid_js
        self.chromium = chromium
        self.workers = max(1, workers)
        self.timeout = timeout
        self.on_page = on_page or (lambda: None)
        self.extra_args = tuple(extra_args)  # e.g. --log-net-log=FILE for the tests
        self.speed_up = speed_up  # False: mermaid as shipped (the tests compare both)
        self.sped_up = False  # whether the loaded mermaid has the fast config copy
        self.records: dict[str, RenderRecord] = {}
        self.images: dict[str, Path] = {}
        self.capture_failures: dict[str, str] = {}
        self.rendered = 0  # blocks rendered by the browser in this run
        self._bundle: str | None = None

    def run(self, jobs: Sequence[PageJob]) -> None:
        if not jobs:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # the usual case: no event loop in this thread
            asyncio.run(self._run(list(jobs)))
        else:  # called from code that runs a loop (a notebook, sync Playwright): use a thread
            with concurrent.futures.ThreadPoolExecutor(max_workers=1) as thread:
                thread.submit(lambda: asyncio.run(self._run(list(jobs)))).result()

    def bundle(self) -> str:
        """The mermaid script the pages load (read once)."""
        if self._bundle is None:
            text = self.mermaid_js.read_text(encoding="utf-8")
            fast = speed_up_mermaid(text) if self.speed_up else None
            self.sped_up = fast is not None
            self._bundle = fast or text
        return self._bundle

    async def _run(self, jobs: list[PageJob]) -> None:
        try:
            from playwright.async_api import async_playwright
        except ImportError as exc:  # pragma: no cover - a broken install
            raise DiagramError(f"the Python package playwright is missing ({exc}) — run `make deck` to install it") from None
        if not self.chromium.exists():
            raise DiagramError(
                f"Chromium is not installed at {self.chromium} — install Debian's package: apt-get install chromium"
            )
        queue: asyncio.Queue[PageJob] = asyncio.Queue()
        for job in jobs:
            queue.put_nowait(job)
        encoder = concurrent.futures.ThreadPoolExecutor(max_workers=self.workers)
        try:
            async with async_playwright() as playwright:
                try:
                    browser = await playwright.chromium.launch(
                        executable_path=str(self.chromium), args=[*CHROMIUM_ARGS, *self.extra_args], headless=True)
                except Exception as exc:  # playwright raises its own Error type
                    raise DiagramError(f"Chromium at {self.chromium} does not start: {exc}") from None
                try:
                    workers = [_Worker(self, browser, encoder, n) for n in range(min(self.workers, len(jobs)))]
                    await asyncio.gather(*(w.drain(queue) for w in workers))
                finally:
                    await browser.close()
        finally:
            encoder.shutdown(wait=True)


class _Worker:
    def __init__(self, renderer: Renderer, browser, encoder, number: int):  # noqa: ANN001 - playwright types
        self.r = renderer
        self.browser = browser
        self.encoder = encoder
        self.number = number
        self.context = None
        self.page = None
        self.cdp = None
        self.counter = 0

    async def open(self) -> None:
        try:
            await self._open()
        except Exception as exc:  # playwright's errors: a broken mermaid.js or browser
            await self.close()
            raise DiagramError(f"the renderer page does not start ({self.r.mermaid_js}): {exc}") from None

    async def _open(self) -> None:
        self.context = await self.browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
        await self.context.route("**/*", _offline)
        self.page = await self.context.new_page()
        await self.page.set_content(PAGE_HTML)
        await self.page.add_script_tag(path=str(SPEEDUPS_JS))
        await self.page.add_script_tag(content=self.r.bundle())
        await self.page.add_script_tag(path=str(RENDER_JS))
        await self.page.evaluate("(config) => mermaid.initialize(config)", MERMAID_CONFIG)
        await self.page.evaluate("() => document.fonts.ready.then(() => true)")
        await self.page.evaluate("() => atlasRender('warmup', 'flowchart LR\\n  a[warm] --> b[up 🔥]', null)")
        self.cdp = await self.context.new_cdp_session(self.page)

    async def close(self) -> None:
        if self.context is not None:
            try:
                await asyncio.wait_for(self.context.close(), 10)
            except Exception:  # a hung renderer: the browser's close ends it
                pass
        self.context = self.page = self.cdp = None

    async def drain(self, queue: asyncio.Queue[PageJob]) -> None:
        pending: list[asyncio.Future] = []
        try:
            while not queue.empty():
                job = queue.get_nowait()
                pending.extend(await self.page_job(job))
                self.r.on_page()
            await asyncio.gather(*pending)
        finally:
            await self.close()

    async def page_job(self, job: PageJob) -> list[asyncio.Future]:
        """Render the page's blocks in order until its selection is decided, rasterizing a block
        while it is on screen when it certainly gets an image; then make sure every block that
        gets one has it. Returns the image encodings still running."""
        records: list[RenderRecord | None] = [b.record for b in job.blocks]
        imaged = {i for i, b in enumerate(job.blocks) if b.has_image}
        encodes: list[asyncio.Future] = []
        shown: int | None = None  # index of the block now in the page's DOM
        for index, block in enumerate(job.blocks):
            if index >= blocks_used(records, job.selection):
                break  # the main diagram is found: the later blocks are not needed
            record = records[index]
            if record is None:
                record = records[index] = self.r.records[block.key] = await self.render(block)
                shown = index if record.ok else None
            certain = record.has_nodes() if job.selection == "main" else needs_image_in_all(record)
            if shown == index and certain and index not in imaged:
                encodes.append(await self.snapshot(block.key, record))
                imaged.add(index)
        for index in image_blocks(records, job.selection):
            if index not in imaged:
                if shown != index:
                    again = await self.render(job.blocks[index])
                    if not again.ok:  # a passing failure this time: reported, retried next build
                        self.r.capture_failures[job.blocks[index].key] = f"its image could not be made ({again.error})"
                        continue
                    shown = index
                encodes.append(await self.snapshot(job.blocks[index].key, records[index]))
                imaged.add(index)
        return encodes

    async def render(self, block: BlockJob) -> RenderRecord:
        if self.page is None:
            await self.open()
        self.counter += 1
        self.r.rendered += 1
        render_id = f"m{self.number}x{self.counter}"
        try:
            result = await asyncio.wait_for(
                self.page.evaluate("([i, s, r]) => atlasRender(i, s, r)", [render_id, block.source, block.repaired]),
                self.r.timeout,
            )
        except asyncio.TimeoutError:
            await self.close()
            record = RenderRecord.failed("timeout", f"rendering took longer than {self.r.timeout:g} s (timed out)")
        except Exception as exc:  # the page crashed: start a fresh one for the next block
            await self.close()
            record = RenderRecord.failed("transient", f"the browser failed while rendering: {_one_line_error(str(exc))}")
        else:
            record = _record(result, block)
        self.r.cache.put_record(block.key, record)  # the cache keeps only what lasts
        return record

    async def snapshot(self, key: str, record: RenderRecord) -> asyncio.Future:
        """Rasterize the block now in the page; the image is encoded in a thread and cached.
        A failed capture leaves no image (the block is reported and retried next build)."""
        scale = raster_scale(record.width, record.height)
        loop = asyncio.get_running_loop()
        try:
            png = await asyncio.wait_for(self.raster(record, scale), self.r.timeout)
        except Exception as exc:  # noqa: BLE001 - timeouts and a crashed page alike
            await self.close()
            self.r.capture_failures[key] = f"its image could not be captured ({_one_line_error(str(exc)) or 'timed out'})"
            done: asyncio.Future = loop.create_future()
            done.set_result(None)
            return done
        future = loop.run_in_executor(self.encoder, encode_image, png)

        def store(done: asyncio.Future) -> None:
            if done.cancelled() or done.exception() is not None:
                self.r.capture_failures[key] = f"its image could not be encoded ({done.exception()})"
            else:
                self.r.images[key] = self.r.cache.put_image(key, done.result())

        future.add_done_callback(store)
        return future

    async def raster(self, record: RenderRecord, scale: float) -> bytes:
        """The block now in the page as PNG at ``scale``: drawn on a canvas in the page
        (render.js ``atlasRaster``), or a screenshot of it should the page refuse that (a
        Chromium that taints the canvas, an SVG the image decoder rejects)."""
        try:
            return base64.b64decode(await self.page.evaluate(
                "([w, h, s]) => atlasRaster(w, h, s)", [record.width, record.height, scale]))
        except Exception:  # noqa: BLE001 - playwright's Error; a crashed page fails the screenshot too
            shot = await self.cdp.send("Page.captureScreenshot", {
                "format": "png",
                "clip": {"x": 0, "y": 0, "width": record.width, "height": record.height, "scale": scale},
                "captureBeyondViewport": True,
                "optimizeForSpeed": True,
            })
            return base64.b64decode(shot["data"])


def _record(result: dict, block: BlockJob) -> RenderRecord:
    """The page's answer as a record: Mermaid's parse error, or the layout and its boxes."""
    if "error" in result:
        return RenderRecord.failed("parse", _one_line_error(result["error"]))
    boxes = tuple(
        Box(kind=kind, node_id=node_id, x=x, y=y, width=w, height=h, label=label_lines(label))
        for kind, node_id, x, y, w, h, label in result["boxes"]
    )
    used = bool(result["usedRepair"])
    fixes = tuple((r.line, r.what) for r in repair(block.source).repairs) if used else ()
    return RenderRecord(width=result["width"], height=result["height"], boxes=boxes, repaired=used, repairs=fixes)


async def _offline(route) -> None:  # noqa: ANN001 - playwright's Route
    """Nothing leaves the machine: every request the page makes is refused."""
    await route.abort()


def _one_line_error(message: str) -> str:
    """Mermaid's message as one readable line (its caret diagrams span several)."""
    lines = [line.rstrip() for line in message.strip().split("\n") if line.strip()]
    kept = [line for line in lines if not set(line.strip()) <= set("-^")]
    return " | ".join(kept)[:600]
