"""``build-deck``: the command line over :mod:`deckbuilder.build`. Parse, call, report."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from deckbuilder.cache import default_cache_dir
from deckbuilder.build import DEFAULT_CARDS, DEFAULT_MEDIA, BuildSettings, build
from deckbuilder.core.audit import BankAudit, format_audit
from deckbuilder.core.plan import PATH_NAMES
from deckbuilder.diagrams.api import DiagramOptions
from deckbuilder.errors import DeckBuilderError, SourceError

EPILOG = """\b
Examples:
  build-deck                          the default deck into build/
  build-deck --path balanced          week tags for the 32-week path
  build-deck --check --strict         validate cards/ only, warnings are errors
  build-deck --atlas ~/src/DS         add diagram cards from a DS checkout
  build-deck --atlas ~/src/DS --io native --blocks all

\b
Environment:
  SOURCE_DATE_EPOCH   note and package time (reproducible builds); default:
                      each source file's modification time
  ATLAS_ANKI_CACHE    cache directory (same as --cache-dir)
"""


@click.command(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--cards", "cards_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_CARDS,
              show_default="the project's cards/", help="Folder of the YAML sources (plan.yaml and topic files).")
@click.option("--media", "media_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_MEDIA,
              show_default="the project's media/", help="Folder of the Mermaid diagrams the topics name.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("build"),
              show_default=True, help="Where to write atlas-distributed-systems.apkg.")
@click.option("--path", "study_path", type=click.Choice(PATH_NAMES), default="intensive", show_default=True,
              help="Study path whose week numbers go into the atlas::week:: tags.")
@click.option("--check", is_flag=True, help="Validate only; write nothing.")
@click.option("--register", "record_ids", is_flag=True,
              help="Record the sources' question ids in cards/released-ids.tsv (new ids added, removed ones retired); "
                   "no package is written. Commit the register with the sources.")
@click.option("--strict", is_flag=True, help="Treat warnings (mix below minimum, diagrams that fail) as errors.")
@click.option("--atlas", "atlas_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A DS checkout: add occlusion and speed-draw cards for its diagram pages.")
@click.option("--no-diagrams", is_flag=True, help="Skip diagram cards (no browser needed).")
@click.option("--io", "io_format", type=click.Choice(["overlay", "native"]), default="overlay", show_default=True,
              help="Occlusion cards as overlays (any Anki) or Anki's native image occlusion (Anki >= 23.10).")
@click.option("--mode", type=click.Choice(["hide-all-guess-one", "hide-one-guess-one"]),
              default="hide-all-guess-one", show_default=True, help="Occlusion mode.")
@click.option("--unit", type=click.Choice(["node", "subgraph"]), default="node", show_default=True,
              help="What one occlusion card asks for.")
@click.option("--blocks", type=click.Choice(["main", "all"]), default="main", show_default=True,
              help="Occlude each page's main diagram, or every diagram.")
@click.option("--jobs", type=click.IntRange(1, 16), default=None, show_default="one per CPU",
              help="Parallel browser pages rendering diagrams.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), envvar="ATLAS_ANKI_CACHE",
              help="Cache of rendered diagrams.  [default: the user cache dir]")
@click.option("-v", "--verbose", is_flag=True, help="List every repair made to a diagram.")
def main(cards_dir: Path, media_dir: Path, out_dir: Path, study_path: str, check: bool, record_ids: bool, strict: bool,
         atlas_dir: Path | None, no_diagrams: bool, io_format: str, mode: str, unit: str, blocks: str,
         jobs: int, cache_dir: Path | None, verbose: bool) -> None:
    """Build the Atlas Anki deck from cards/ (and a DS checkout with --atlas).

    Every note keeps its identity across rebuilds (its GUID comes from the id in its source),
    so re-importing an updated deck updates notes in place and keeps every review.
    A summary goes to stderr; on errors nothing is written and the exit code is 1.
    """
    cache_dir = cache_dir or default_cache_dir()
    bars = ProgressBars()
    source_date_epoch = _source_date_epoch(os.environ.get("SOURCE_DATE_EPOCH", ""))
    settings = BuildSettings(
        cards_dir=cards_dir,
        media_dir=media_dir,
        out_dir=out_dir,
        path=study_path,
        check=check,
        register=record_ids,
        strict=strict,
        diagrams=not no_diagrams,
        atlas_dir=atlas_dir,
        diagram_options=DiagramOptions(io=io_format, mode=mode, unit=unit, blocks=blocks,  # type: ignore[arg-type]
                                       jobs=jobs or os.cpu_count() or 1, cache_dir=cache_dir, verbose=verbose),
        cache_dir=cache_dir,
        source_date_epoch=source_date_epoch,
        progress=bars,
    )
    try:
        with bars:
            result = build(settings)
    except SourceError as exc:
        if check and isinstance(exc.report, BankAudit):
            click.echo(format_audit(exc.report), err=True)
        click.echo(f"build-deck: {exc}", err=True)
        click.echo("nothing written", err=True)
        raise SystemExit(1) from None
    except DeckBuilderError as exc:
        click.echo(f"build-deck: {exc}", err=True)
        raise SystemExit(1) from None
    if result.diagrams is not None:
        click.echo(result.diagrams.report(), err=True)
    if check and result.audit is not None:
        click.echo(format_audit(result.audit), err=True)
    click.echo(result.summary(), err=True)


class ProgressBars:
    """The build's progress as one ``click.progressbar`` per stage, on stderr when it is a
    terminal (logs and pipes get the summary only)."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.stage: str | None = None
        self.bar = None
        self.done = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if stage != self.stage:
            self.close()
            self.stage, self.done = stage, 0
            self.bar = click.progressbar(length=max(total, 1), label=stage, file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        if self.bar is not None and done > self.done:
            self.bar.update(done - self.done)
            self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def __enter__(self) -> ProgressBars:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _source_date_epoch(value: str) -> int | None:
    if not value.strip():
        return None
    try:
        return int(value.strip())
    except ValueError:
        raise click.UsageError(f'SOURCE_DATE_EPOCH="{value}" is not a whole number of seconds — set it to e.g. '
                               "$(git log -1 --format=%ct), or unset it") from None


if __name__ == "__main__":
    main()
