// Runs inside the renderer page (headless Chromium) after mermaid.min.js.
// window.atlasRender(id, source, repaired): renders ``source`` (or, when it fails to parse and a
// repaired text is given, ``repaired``) into #host and measures every node and subgraph box.
(() => {
  const host = document.getElementById("host");

  function labelHtml(g) {
    const label = g.querySelector(".nodeLabel") || g.querySelector(".cluster-label") || g.querySelector("text");
    if (!label) return "";
    if (label.tagName.toLowerCase() === "text") {
      // SVG text labels: one <tspan class="text-outer-tspan"> per line.
      const rows = label.querySelectorAll("tspan.text-outer-tspan");
      if (rows.length) return Array.from(rows, (t) => t.textContent).join("<br>");
      return label.textContent;
    }
    return label.innerHTML;
  }

  async function renderInto(id, text) {
    host.innerHTML = "";
    const { svg } = await mermaid.render(id, text);
    host.innerHTML = svg;
    return host.querySelector("svg");
  }

  // The block as Mermaid draws it: ``source``, or ``repaired`` when the source does not parse.
  // A failure carries its message and whether it was a TypeError (see atlasRender).
  function failed(error, prefix) {
    return { error: prefix + String((error && error.message) || error), typeError: error instanceof TypeError };
  }

  async function draw(id, source, repaired) {
    try {
      return { svg: await renderInto(id, source), usedRepair: false };
    } catch (first) {
      document.getElementById("d" + id)?.remove();
      if (!repaired) return failed(first, "");
      try {
        return { svg: await renderInto(id, repaired), usedRepair: true };
      } catch (second) {
        document.getElementById("d" + id)?.remove();
        return failed(second, "after repair: ");
      }
    }
  }

  // Diagram types whose code writes to its configuration copy: they get fresh copies (see
  // speedups.js). A write to a shared copy throws a TypeError; the block is then drawn again with
  // fresh copies, and its type is remembered when that works.
  const writesConfig = new Set();

  function typeOf(text) {
    try {
      return mermaid.detectType(text);
    } catch {
      return "";
    }
  }

  window.atlasRender = async (id, source, repaired) => {
    const type = typeOf(source);
    globalThis.atlasReuseConfig = !writesConfig.has(type);
    let drawn = await draw(id, source, repaired);
    if (drawn.error && drawn.typeError && globalThis.atlasReuseConfig) {
      globalThis.atlasReuseConfig = false;
      const again = await draw(id, source, repaired);
      if (!again.error) {
        writesConfig.add(type);
        drawn = again;
      }
    }
    globalThis.atlasReuseConfig = true;
    if (drawn.error) return { error: drawn.error };
    const { svg, usedRepair } = drawn;
    const frame = svg.getBoundingClientRect();
    const prefix = id + "-";
    const boxes = [];
    for (const g of svg.querySelectorAll("g.node, g.cluster")) {
      const r = g.getBoundingClientRect();
      const kind = g.classList.contains("cluster") ? "cluster" : "node";
      let nodeId = g.id && g.id.startsWith(prefix) ? g.id.slice(prefix.length) : g.id || "";
      if (kind === "node") {
        // <svg id>-flowchart-<ID>-<n>: the counter is not stable, the ID is.
        const m = /^flowchart-(.*)-\d+$/.exec(nodeId);
        if (!m) continue;
        nodeId = m[1];
      }
      boxes.push([kind, nodeId, r.x - frame.x, r.y - frame.y, r.width, r.height, labelHtml(g)]);
    }
    // Sequence diagrams: each participant once (the top box), for the speed-draw component list.
    for (const top of svg.querySelectorAll("rect.actor-top, g.actor-man.actor-top")) {
      const group = top.tagName.toLowerCase() === "g" ? top : top.parentNode;
      const name = top.getAttribute("name") || group.getAttribute("name") || group.textContent.trim();
      const rows = Array.from(group.querySelectorAll("text.actor-box, text.actor-man, text.actor"), (t) => t.textContent);
      const r = top.getBoundingClientRect();
      boxes.push(["actor", name, r.x - frame.x, r.y - frame.y, r.width, r.height, rows.join("<br>")]);
    }
    return { width: frame.width, height: frame.height, boxes, usedRepair };
  };

  // The diagram now in #host as a PNG of (width × scale) × (height × scale) pixels, in base64:
  // the SVG drawn as an image onto a canvas. Cheaper than a screenshot, which lays the page out
  // again at the new scale and goes through the compositor; the same pixels but for
  // anti-aliasing. A data: URL keeps the canvas exportable (a blob: URL would taint it). The
  // PNG comes from toDataURL, which encodes at once: convertToBlob waits for the page's idle
  // time, which a page that is not painting seldom has.
  window.atlasRaster = async (width, height, scale) => {
    const svg = host.querySelector("svg").cloneNode(true);
    svg.setAttribute("width", String(width));
    svg.setAttribute("height", String(height));
    svg.style.maxWidth = "none";
    const image = new Image();
    image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(new XMLSerializer().serializeToString(svg));
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    const context = canvas.getContext("2d");
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    const url = canvas.toDataURL("image/png");
    return url.slice(url.indexOf(",") + 1);
  };

  window.atlasClear = () => {
    host.innerHTML = "";
  };
})();
