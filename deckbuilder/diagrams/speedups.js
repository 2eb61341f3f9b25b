// Loaded before mermaid.min.js in the renderer page (see renderer.py, ``speed_up_mermaid``), which
// points two of Mermaid's internal functions here. Both give exactly what Mermaid's own give.
//
// 1. getConfig() returns ``assignWithDepth({}, currentConfig)``: a fresh copy, two levels deep,
//    of the whole configuration (every diagram's section and ~200 theme variables), made for
//    every node, edge and label drawn: a quarter of Mermaid's time on a DS flowchart, with the
//    garbage it leaves. ``atlasConfig(current)`` makes that copy once per configuration object
//    and hands out the same copy, frozen where the copy is fresh (levels 1–3), deeper values
//    shared as in Mermaid. Mermaid replaces currentConfig with a new object whenever the
//    configuration changes (updateCurrentConfig is its only writer), so a copy keyed by the
//    object is never stale. Where Mermaid writes to its copy, it gets a fresh one: the copy
//    Diagram.fromText hands to a diagram's init(), and what setConfig() sanitizes in place
//    (renderer.py points both here); diagram code that writes to its copy meets the freeze
//    (the bundle is strict) and render.js draws that block again with fresh copies, as it
//    does every later block of that diagram type (``atlasReuseConfig``).
//    ``copy`` is the copy itself: the same keys in the same order, null-valued objects left
//    out, arrays copied without duplicates, third-level objects copied shallowly.
// 2. sanitizeText(text, config) runs DOMPurify twice (strict security level) and parses its
//    options each time. It is a pure function of the text and three settings (DOMPurify's hooks
//    are Mermaid's own, added once), so ``atlasSanitizeOnce`` remembers its answers (except
//    where a diagram sets DOMPurify options of its own).
(() => {
  function define(out, key, value) {
    if (key === "__proto__") {
      Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
    } else {
      out[key] = value;
    }
  }

  function unique(values) {
    const out = [];
    values.forEach((value) => {
      if (!out.includes(value)) out.push(value);
    });
    return out;
  }

  function copy(src, depth) {
    const out = {};
    for (const key of Object.keys(src)) {
      const value = src[key];
      if (typeof value !== "object") {
        define(out, key, value);
      } else if (value !== null) {
        if (Array.isArray(value)) define(out, key, unique(value));
        else define(out, key, depth > 1 ? copy(value, depth - 1) : Object.assign({}, value));
      }
    }
    return out;
  }

  // Freeze what the copy made fresh: levels 1 and 2 and the shallow third-level copies.
  function freeze(value, depth) {
    if (value === null || typeof value !== "object" || depth === 0) return value;
    for (const key of Object.keys(value)) freeze(value[key], depth - 1);
    return Object.freeze(value);
  }

  const copies = new WeakMap();
  const shared = new WeakSet();
  globalThis.atlasReuseConfig = true;
  globalThis.atlasConfig = (src) => {
    if (!globalThis.atlasReuseConfig) return copy(src, 2);
    let out = copies.get(src);
    if (out === undefined) {
      out = freeze(copy(src, 2), 3);
      copies.set(src, out);
      shared.add(out);
    }
    return out;
  };

  // A copy Mermaid writes to (fromText's for init(), setConfig's argument): a fresh one when it
  // is a shared one (copying a copy gives the same copy).
  globalThis.atlasUnshared = (conf) => (shared.has(conf) ? copy(conf, 2) : conf);

  const answers = new Map();
  globalThis.atlasSanitizeOnce = (sanitize) => (text, config) => {
    // A diagram's own DOMPurify options may hold functions or patterns: those answers are not kept.
    if (!text || typeof text !== "string" || config.dompurifyConfig != null) return sanitize(text, config);
    const key = [config.securityLevel, config.htmlLabels, config.flowchart && config.flowchart.htmlLabels, text]
      .join("\u0000");
    let out = answers.get(key);
    if (out === undefined) {
      out = sanitize(text, config);
      answers.set(key, out);
    }
    return out;
  };
})();
