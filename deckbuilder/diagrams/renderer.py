"""Mermaid rendering in Debian's headless Chromium, driven by Playwright. This module owns both.

The real mermaid.js (pinned in package.json, installed by ``npm ci``) renders each block in a
warm page; the node and subgraph boxes are measured in the page, and blocks shown on cards are
rasterized by the browser itself (labels are HTML in ``foreignObject``) and stored as compact
WebP. N pages render in parallel; each render has a timeout. Results go to the render cache.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Literal, Sequence

from deckbuilder.core.mermaid_source import label_lines, repair
from deckbuilder.core.occlusion import Box, raster_scale
from deckbuilder.diagrams.cache import RenderCache, RenderRecord
from deckbuilder.diagrams.errors import DiagramError

# Bump when the measuring, the repairs or the image policy change: every cached render is redone.
RENDERER_VERSION = "6"
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
PALETTE_COLOURS = 64  # WebP (lossless) of the image reduced to this many colours
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
RENDER_JS = Path(__file__).with_name("render.js")


@dataclass(frozen=True)
class BlockJob:
    key: str  # render cache key
    source: str  # as written
    repaired: str | None  # after the safe repairs, when they change anything


@dataclass(frozen=True)
class PageJob:
    """The blocks of one page, rendered in order by one worker. ``images``: which blocks get an
    image: ``main`` (the first that renders with nodes, else the first that renders) or ``all``."""

    page: str
    blocks: tuple[BlockJob, ...]
    images: Literal["main", "all"]


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


def renderer_version(mermaid_js: Path, chromium: Path = CHROMIUM) -> str:
    """Everything a cached render depends on besides the block: mermaid's version, this
    module's version, and the browser build (its launcher's size and time)."""
    try:
        package = json.loads((mermaid_js.parent.parent / "package.json").read_text(encoding="utf-8"))
        mermaid_version = str(package["version"])
    except (OSError, ValueError, KeyError):
        mermaid_version = "unknown"
    try:
        stat = chromium.stat()
        browser = f"{stat.st_size}-{int(stat.st_mtime)}"
    except OSError:
        browser = "missing"
    return f"mermaid-{mermaid_version}/r{RENDERER_VERSION}/chromium-{browser}"


def choose_main(records: Sequence[RenderRecord | None]) -> int | None:
    """The page's main diagram: the first block that renders with nodes (a flowchart), else the
    first block that renders at all; None when nothing renders."""
    for index, record in enumerate(records):
        if record is not None and record.ok and any(b.kind == "node" for b in record.boxes):
            return index
    for index, record in enumerate(records):
        if record is not None and record.ok:
            return index
    return None


def image_blocks(records: Sequence[RenderRecord | None], images: Literal["main", "all"]) -> list[int]:
    """The blocks of a page that get an image: its main diagram, and with ``all`` every block
    that renders with boxes to occlude."""
    main = choose_main(records)
    chosen = [] if main is None else [main]
    if images == "all":
        chosen += [i for i, r in enumerate(records)
                   if r is not None and r.ok and i != main and any(b.kind in ("node", "cluster") for b in r.boxes)]
    return sorted(chosen)


def encode_image(png: bytes) -> bytes:
    """The browser's PNG as lossless WebP of a palette image (flat diagram colours survive,
    text stays sharp, the file shrinks several times)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        palette = image.convert("RGB").quantize(PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE)
        out = io.BytesIO()
        palette.save(out, "WEBP", lossless=True, quality=60, method=4)
        return out.getvalue()


class Renderer:
    """Renders page jobs into the cache with ``workers`` warm pages in one browser."""

    def __init__(self, cache: RenderCache, *, mermaid_js: Path, chromium: Path = CHROMIUM,
                 workers: int = 2, timeout: float = 30.0,
                 on_block: Callable[[str, int], None] | None = None, extra_args: Sequence[str] = ()):
        self.cache = cache
        self.mermaid_js = mermaid_js
        self.chromium = chromium
        self.workers = max(1, workers)
        self.timeout = timeout
        self.on_block = on_block or (lambda page, count: None)
        self.extra_args = tuple(extra_args)  # e.g. --log-net-log=FILE for the tests
        self.transient: dict[str, RenderRecord] = {}  # results not cached (timeouts)
        self.rendered = 0  # blocks rendered by the browser in this run

    def run(self, jobs: Sequence[PageJob]) -> dict[str, RenderRecord]:
        """Render every job; returns the records that could not be cached (timeouts)."""
        if jobs:
            try:
                asyncio.get_running_loop()
            except RuntimeError:  # the usual case: no event loop in this thread
                asyncio.run(self._run(list(jobs)))
            else:  # called from code that runs a loop (a notebook, sync Playwright): use a thread
                with concurrent.futures.ThreadPoolExecutor(max_workers=1) as thread:
                    thread.submit(lambda: asyncio.run(self._run(list(jobs)))).result()
        return dict(self.transient)

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
        self.context = await self.browser.new_context(viewport={"width": 1600, "height": 1200}, device_scale_factor=1)
        await self.context.route("**/*", _offline)
        self.page = await self.context.new_page()
        await self.page.set_content(PAGE_HTML)
        await self.page.add_script_tag(path=str(self.r.mermaid_js))
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
            await asyncio.gather(*pending)
        finally:
            await self.close()

    async def page_job(self, job: PageJob) -> list[asyncio.Future]:
        """Render the page's blocks in order; snapshot a block while it is still on screen when
        it will get an image, then make sure every block that needs one has it."""
        cache = self.r.cache
        records: list[RenderRecord | None] = [cache.record(b.key) for b in job.blocks]
        encodes: list[asyncio.Future] = []
        imaged: set[int] = {i for i, b in enumerate(job.blocks) if cache.has_image(b.key)}
        shown: int | None = None  # index of the block now in the page's DOM
        for index, block in enumerate(job.blocks):
            if records[index] is None:
                records[index] = await self.render(block, job.page)
                shown = index if records[index].ok else None
                # a block with nodes that is the main one so far stays the main one
                certain = index in image_blocks(records[: index + 1], job.images) and any(
                    b.kind == "node" or (job.images == "all" and b.kind == "cluster") for b in records[index].boxes)
                if shown == index and certain and index not in imaged:
                    encodes.append(await self.snapshot(block.key, records[index]))
                    imaged.add(index)
            self.r.on_block(job.page, 1)
        for index in image_blocks(records, job.images):
            if index not in imaged:
                if shown != index:
                    await self.render(job.blocks[index], job.page)
                    shown = index
                encodes.append(await self.snapshot(job.blocks[index].key, records[index]))
                imaged.add(index)
        return encodes

    async def render(self, block: BlockJob, page_name: str) -> RenderRecord:
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
            record = RenderRecord(False, f"rendering took longer than {self.r.timeout:g} s (timed out)", False, 0, 0, ())
            self.r.transient[block.key] = record
            return record
        except Exception as exc:  # the page crashed: start a fresh one for the next block
            await self.close()
            record = RenderRecord(False, f"the browser failed while rendering: {exc}", False, 0, 0, ())
            self.r.transient[block.key] = record
            return record
        if "error" in result:
            record = RenderRecord(False, _one_line_error(result["error"]), False, 0, 0, ())
        else:
            boxes = tuple(
                Box(kind=kind, node_id=node_id, x=x, y=y, width=w, height=h, label=label_lines(label))
                for kind, node_id, x, y, w, h, label in result["boxes"]
            )
            used = bool(result["usedRepair"])
            fixes = tuple((r.line, r.what) for r in repair(block.source).repairs) if used else ()
            record = RenderRecord(True, None, used, result["width"], result["height"], boxes, fixes)
        self.r.cache.put_record(block.key, record)
        return record

    async def snapshot(self, key: str, record: RenderRecord) -> asyncio.Future:
        """Rasterize the block now in the page; the image is encoded in a thread and cached.
        A failed capture leaves no image (the block is reported and retried next build)."""
        scale = raster_scale(record.width, record.height)
        try:
            shot = await asyncio.wait_for(self.cdp.send("Page.captureScreenshot", {
                "format": "png",
                "clip": {"x": 0, "y": 0, "width": record.width, "height": record.height, "scale": scale},
                "captureBeyondViewport": True,
                "optimizeForSpeed": True,
            }), self.r.timeout)
        except Exception:  # noqa: BLE001 - timeouts and a crashed page alike
            await self.close()
            done: asyncio.Future = asyncio.get_running_loop().create_future()
            done.set_result(None)
            return done
        png = base64.b64decode(shot["data"])
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self.encoder, encode_image, png)

        def store(done: asyncio.Future) -> None:
            if not done.cancelled() and done.exception() is None:
                self.r.cache.put_image(key, done.result())

        future.add_done_callback(store)
        return future


async def _offline(route) -> None:  # noqa: ANN001 - playwright's Route
    """Nothing leaves the machine: every request the page makes is refused."""
    await route.abort()


def _one_line_error(message: str) -> str:
    """Mermaid's message as one readable line (its caret diagrams span several)."""
    lines = [line.rstrip() for line in message.strip().split("\n") if line.strip()]
    kept = [line for line in lines if not set(line.strip()) <= set("-^")]
    return " | ".join(kept)[:600]
