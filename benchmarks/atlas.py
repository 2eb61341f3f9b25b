"""Benchmark of `build-deck --atlas` on a DS checkout: cold, warm and a one-page edit.

Prints, in one run on the same machine, each against genanki alone writing the same notes
and media (measured in this run, best of 3):
  - cold: the whole `build-deck --atlas` path (questions, diagram pages, rendering into an
    empty cache, the package written);
  - warm: the same build again, nothing changed;
  - edit: one page's main diagram changed (a node added), built again;
and the notes by note type.

    .venv/bin/python benchmarks/atlas.py [--atlas DIR] [--jobs N]

The checkout is copied into a temporary folder first (the edit must not touch it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from deckbuilder.build import BuildSettings, BuildResult, build  # noqa: E402
from deckbuilder.core.mermaid_source import mermaid_blocks  # noqa: E402
from deckbuilder.diagrams import DiagramOptions  # noqa: E402
from deckbuilder.diagrams.renderer import default_jobs  # noqa: E402


def genanki_alone(notes, out: Path) -> None:
    """The same notes and media written by genanki with no project code in between."""
    import genanki

    from deckbuilder.notetypes import REGISTRY

    models = {}
    for key, spec in REGISTRY.items():
        models[key] = genanki.Model(
            spec.model_id, spec.name, fields=[{"name": f} for f in spec.fields],
            templates=[{"name": t.name, "qfmt": t.front, "afmt": t.back} for t in spec.templates],
            css=spec.css, model_type=genanki.Model.CLOZE if spec.kind == "cloze" else genanki.Model.FRONT_BACK,
        )
    decks: dict[str, genanki.Deck] = {}
    media: dict[str, str] = {}
    for number, note in enumerate(notes):
        deck = decks.setdefault(note.deck, genanki.Deck(1_000_000 + len(decks), note.deck))
        spec = REGISTRY[note.notetype]
        deck.add_note(genanki.Note(model=models[note.notetype], fields=[note.fields[f] for f in spec.fields],
                                   tags=list(note.tags), guid=genanki.guid_for(note.uid)))
        for item in note.media:
            media[item.name] = item.path
    package = genanki.Package(list(decks.values()), media_files=sorted(media.values()))
    package.write_to_file(str(out), timestamp=1_700_000_000)


def edit_one_page(atlas: Path) -> str:
    """Add a node to the main diagram (first flowchart) of the first company page that has one."""
    for page in sorted((atlas / "site" / "docs" / "systems").rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        for block in mermaid_blocks(text):
            first = block.source.split("\n", 1)[0].strip()
            if first.startswith(("graph", "flowchart")):
                lines = text.split("\n")
                lines.insert(block.line, "    BenchEdit[Benchmark edit] --> BenchEdit2[Second node]")
                page.write_text("\n".join(lines), encoding="utf-8")
                return page.relative_to(atlas).as_posix()
            break
    raise SystemExit(f"{atlas}: no company page starts with a flowchart")


def timed(settings: BuildSettings) -> tuple[BuildResult, float]:
    start = time.perf_counter()
    result = build(settings)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--atlas", type=Path, default=Path(os.environ.get("ATLAS_DIR") or REPO.parent / "shared" / "atlas"))
    parser.add_argument("--jobs", type=int, default=None, help="parallel browser pages (default: one per CPU)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="atlas-bench-") as tmp_name:
        tmp = Path(tmp_name)
        atlas = tmp / "atlas"
        shutil.copytree(args.atlas, atlas, ignore=shutil.ignore_patterns(".git"))
        settings = BuildSettings(out_dir=tmp / "out", atlas_dir=atlas, cache_dir=tmp / "cache",
                                 diagram_options=DiagramOptions(cache_dir=tmp / "cache", jobs=args.jobs),
                                 source_date_epoch=1_700_000_000)

        cold, cold_s = timed(settings)
        warm_runs = [timed(settings) for _ in range(3)]  # best of 3: the machine may be shared
        warm, warm_s = min(warm_runs, key=lambda run: run[1])
        edited = edit_one_page(atlas)
        edit, edit_s = timed(settings)

        genanki_s = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            genanki_alone(warm.notes, tmp / "genanki.apkg")
            genanki_s = min(genanki_s, time.perf_counter() - start)

        diagrams = cold.diagrams
        by_type = Counter(note.notetype for note in warm.notes)
        package = cold.out_path.stat().st_size if cold.out_path else 0
        print(f"corpus:  {args.atlas} ({diagrams.blocks_total} Mermaid blocks on {len(diagrams.pages)} diagram pages), "
              f"{os.cpu_count()} CPUs, --jobs {args.jobs or default_jobs()}")
        print("notes:   " + ", ".join(f"{kind} {count}" for kind, count in sorted(by_type.items()))
              + f" ({len(warm.notes)} in all, package {package / 1e6:.1f} MB)")
        print(f"genanki: {genanki_s:6.2f} s  genanki alone writing the same notes and media (best of 3)")
        print(f"cold:    {cold_s:6.2f} s  = {cold_s / genanki_s:5.1f}x  empty cache: {diagrams.rendered_now} blocks "
              f"rendered ({diagrams.blocks_used} used of {diagrams.blocks_total}), package written")
        print(f"warm:    {warm_s:6.2f} s  = {warm_s / genanki_s:5.1f}x  nothing changed, best of 3: "
              f"{warm.diagrams.rendered_now} blocks rendered")
        print(f"edit:    {edit_s:6.2f} s  = {edit_s / genanki_s:5.1f}x  a node added to {edited}: "
              f"{edit.diagrams.rendered_now} block rendered")


if __name__ == "__main__":
    main()
