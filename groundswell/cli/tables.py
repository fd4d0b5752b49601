"""``groundswell mapping``: propose a mapping for a table, list the presets
(docs/mappings.md)."""

from __future__ import annotations

from pathlib import Path

import click

from groundswell import api
from groundswell.cli.common import err, friendly_errors, out


@click.group("mapping")
def mapping_group() -> None:
    """Mappings: how a table's columns become posts (docs/mappings.md)."""


@mapping_group.command("guess")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--output", "-o", default=None, type=click.Path(dir_okay=False),
              help="Write the mapping here (default: print it).")
@click.option("--format", "table_format", default=None,
              type=click.Choice(["csv", "tsv", "ndjson", "parquet"]))
@friendly_errors
def mapping_guess(path: str, output: str | None, table_format: str | None) -> None:
    """Propose a mapping for the table at PATH from its header and first rows, naming the
    preset it recognises; check it, edit it, then `groundswell ingest --mapping`.

    \b
    Example:
      groundswell mapping guess sheet.csv -o sheet.toml
      groundswell ingest --db metoo.duckdb --mapping sheet.toml sheet.csv
    """
    from groundswell.ingest.tables.guess import guess_mapping

    guess = guess_mapping(path, table_format)
    text = guess.toml(Path(path))
    if output is None:
        click.echo(text, nl=False)
        return
    Path(output).write_text(text, encoding="utf-8")
    what = f"the preset {guess.preset}" if guess.preset else f"{len(guess.fields)} fields"
    err.print(f"Wrote {output} ({what}); check it, then: groundswell ingest --mapping "
              f"{output} {path}", highlight=False, soft_wrap=True)


@mapping_group.command("presets")
@friendly_errors
def mapping_presets() -> None:
    """List the built-in mappings (ingest --preset NAME) and the columns each reads."""
    from groundswell.sources.tables import preset

    for name in api.presets():
        mapping = preset(name)
        out.print(f"[bold]{name}[/] ({mapping.read.format or 'any format'}): "
                  f"{', '.join(mapping.columns)}", highlight=False, soft_wrap=True)
