"""build-deck against genanki alone on a synthetic curriculum of 20,000 questions.

Both write the same notes to an .apkg in the same run; the figure that matters is the ratio
(goal: build-deck <= 1.5x genanki alone), taken run by run (a build over the genanki run beside
it) and the median of those given. Two build-deck figures: cold (a fresh --out: no stamps
of an earlier build) and rebuild (after an edit to one file, with the previous build's stamps).
Nothing is cached between builds: both parse and assemble every file. The cold build's CPU
seconds are printed too (this process and the worker processes): less noisy than wall time for
comparing two versions of the code.
Run: .venv/bin/python benchmarks/build.py [--questions N] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import genanki

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from deckbuilder.build import BuildSettings, build  # noqa: E402
from deckbuilder.notetypes import REGISTRY  # noqa: E402

PER_TOPIC = 200  # 40 recognition, 60 recall (10 cloze), 60 application, 40 analysis


def write_curriculum(root: Path, questions: int) -> None:
    cards = root / "cards"
    (cards / "topics").mkdir(parents=True)
    (root / "media").mkdir()
    shutil.copy(REPO / "cards" / "plan.yaml", cards / "plan.yaml")
    for t in range(questions // PER_TOPIC):
        lines = ["topic:", f"  id: bench-{t:04d}", f"  title: Benchmark topic {t}", "  phase: 1",
                 "  category: patterns", "  key_results: [KR1, KR5]", "questions:"]
        for i in range(PER_TOPIC):
            qid = f"  - id: b{t:04d}-q{i:03d}"
            kind = i % 10
            if kind < 2:
                lines += [qid, "    level: recognition", f"    stem: Which statement about item {i} holds?",
                          "    options: [the first, the **second**, the third, the fourth]", "    correct: B",
                          "    explanation: The second option is the one.", "    source: Bench, ch. 1"]
            elif kind < 5:
                if i % 30 == 2:
                    lines += [qid, "    level: recall", f'    cloze: "Item {i} hides {{{{c1::a word}}}} here."',
                              "    source: Bench, ch. 2"]
                else:
                    lines += [qid, "    level: recall", f"    question: What is `item {i}`?",
                              f"    answer: It is the answer to item {i}.", "    source: Bench, ch. 2"]
            elif kind < 8:
                lines += [qid, "    level: application", f"    scenario: A service takes {i} requests per second.",
                          '    answer: "Size it with *Little\u0027s law*, L = λW."',
                          "    key_points: [measure λ, measure W, multiply]", "    source: Bench, ch. 3"]
            else:
                lines += [qid, "    level: analysis", f"    prompt: Compare option {i}a with option {i}b.",
                          "    answer: |\n      Option a is cheaper.\n\n      Option b is faster.", "    source: Bench, ch. 4"]
        (cards / "topics" / f"bench-{t:04d}.yaml").write_text("\n".join(lines) + "\n")


def genanki_alone(notes, out: Path, timestamp: int) -> None:
    """The same notes written the plain genanki way: models, decks, notes, Package.write_to_file."""
    models = {}
    for key, spec in REGISTRY.items():
        models[key] = genanki.Model(
            spec.model_id, spec.name, fields=[{"name": f} for f in spec.fields],
            templates=[{"name": t.name, "qfmt": t.front, "afmt": t.back} for t in spec.templates], css=spec.css,
            model_type=genanki.Model.CLOZE if spec.kind == "cloze" else genanki.Model.FRONT_BACK)
    decks: dict[str, genanki.Deck] = {}
    for note in notes:
        deck = decks.setdefault(note.deck, genanki.Deck(abs(hash(note.deck)) % (1 << 40), note.deck))
        deck.add_note(genanki.Note(model=models[note.notetype], tags=list(note.tags),
                                   fields=[note.fields[f] for f in REGISTRY[note.notetype].fields],
                                   guid=genanki.guid_for(note.uid)))
    genanki.Package(list(decks.values())).write_to_file(str(out), timestamp=timestamp)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_curriculum(root, args.questions)
        settings = BuildSettings(cards_dir=root / "cards", media_dir=root / "media", out_dir=root / "out",
                                 diagrams=False)
        cold, warm, theirs = [], [], []
        cold_cpu: list[tuple[float, float]] = []  # (this process, worker processes)
        notes = None
        edited = root / "cards" / "topics" / "bench-0000.yaml"
        for run in range(args.repeat):
            # Each run times genanki alone between the two builds it is compared with: the
            # machine's speed drifts (other tenants), and a ratio of neighbours cancels the drift.
            shutil.rmtree(root / "out", ignore_errors=True)
            before = _cpu()
            start = time.perf_counter()
            notes = build(settings).notes
            cold.append(time.perf_counter() - start)
            cold_cpu.append(tuple(b - a for a, b in zip(before, _cpu())))
            start = time.perf_counter()
            genanki_alone(notes, root / "genanki.apkg", 1_700_000_000)
            theirs.append(time.perf_counter() - start)
            edited.write_text(edited.read_text().replace("Which statement", f"Which claim {run}", 1))
            start = time.perf_counter()
            build(settings)
            warm.append(time.perf_counter() - start)
        a, w, b = statistics.median(cold), statistics.median(warm), statistics.median(theirs)
        cold_ratio = statistics.median(c / g for c, g in zip(cold, theirs))
        warm_ratio = statistics.median(r / g for r, g in zip(warm, theirs))
        print(f"questions: {args.questions}, notes: {len(notes)}, runs: {args.repeat} (medians), {os.cpu_count()} cores")
        print(f"genanki alone (same notes, write only):          {b:.2f} s")
        print(f"build-deck cold (fresh --out):                   {a:.2f} s   ratio {cold_ratio:.2f}x (goal <= 1.5x)")
        print(f"build-deck rebuild (one file edited):            {w:.2f} s   ratio {warm_ratio:.2f}x (goal <= 1.5x)")
        print("(each ratio: the median over the runs of the build's time over genanki's in the same run)")
        main_cpu, worker_cpu = (statistics.median(c[i] for c in cold_cpu) for i in (0, 1))
        print(f"build-deck cold CPU: {main_cpu + worker_cpu:.2f} CPU-s ({main_cpu:.2f} in this process, "
              f"{worker_cpu:.2f} in the workers; medians)")


def _cpu() -> tuple[float, float]:
    """CPU seconds used so far by this process and by its ended child processes (the workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime

if __name__ == "__main__":
    main()
