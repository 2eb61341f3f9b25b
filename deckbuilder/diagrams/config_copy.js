// Loaded before mermaid.min.js in the renderer page (see renderer.py, ``speed_up_mermaid``).
//
// Mermaid's getConfig() returns ``assignWithDepth({}, currentConfig)``: a fresh copy, two levels
// deep, of its whole configuration (every diagram's section and ~200 theme variables). It is
// called for every node, edge and label drawn, and its generic merge is about a third of the
// time Mermaid takes for a DS flowchart. atlasCopyConfig(src) builds exactly the same copy
// directly: the same keys in the same order, null-valued objects left out, arrays copied
// without duplicates, third-level objects copied shallowly (Object.assign), deeper values
// shared — so the diagrams come out the same, only sooner.
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

  globalThis.atlasCopyConfig = (src) => copy(src, 2);
})();
