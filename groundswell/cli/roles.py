"""``groundswell roles`` and ``groundswell label``: a researcher's labels, a model trained on
them, and each role's share with its error (docs/roles.md)."""

from __future__ import annotations

import csv
import json
import os

import click

from groundswell import api
from groundswell.cli.common import (
    db_option,
    emit_json,
    friendly_errors,
    json_option,
    open_store,
    out,
)


@click.group("roles")
def roles_group() -> None:
    """Roles of posts (disclosure, support, commentary, opposition, other): train a model on
    your labels, judge it, estimate each role's share with its error (docs/roles.md)."""


@roles_group.command("train")
@click.option("--labels", "labels", type=click.Path(exists=True, dir_okay=False),
              help="A table (CSV, TSV, Parquet, NDJSON) with columns text and role.")
@click.option("--db", "db", type=click.Path(exists=True, dir_okay=False),
              help="Or: the labels stored by `groundswell label` in this store.")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="Where to write the model.")
@click.option("--seed", default=0, show_default=True)
@json_option
@friendly_errors
def roles_train(labels: str | None, db: str | None, output: str, seed: int,
                as_json: bool) -> None:
    """Fit a role classifier on labelled texts (any role names) and print its cross-validated
    precision, recall and F1 per role.

    \b
    Example:
      groundswell roles train --labels labels.csv -o metoo.model
      groundswell roles train --db metoo.duckdb -o metoo.model
    """
    if (labels is None) == (db is None):
        raise click.UsageError("give --labels FILE or --db STORE (labels from `label`)")
    if db is not None:
        with open_store(db, read_only=True) as store:
            result = api.roles_train(store, output, seed=seed)
    else:
        result = api.roles_train(labels, output, seed=seed)
    if as_json:
        emit_json(result)
        return
    out.print(f"Trained on {result['labels']:,} labelled texts → {output}", highlight=False)
    _print_evaluation(result)


@roles_group.command("evaluate")
@click.option("--model", "model", required=True, type=click.Path(exists=True, dir_okay=False))
@json_option
@friendly_errors
def roles_evaluate(model: str, as_json: bool) -> None:
    """Per-role precision, recall, F1 and the confusion matrix of a model, by 5-fold
    cross-validation on its own labels."""
    result = api.roles_evaluate(model)
    if as_json:
        emit_json(result)
        return
    _print_evaluation(result)


def _print_evaluation(result: dict) -> None:
    from groundswell.report.console import print_rows

    print_rows(result["roles"], f"Cross-validated on {result['labels']:,} labels: macro F1 "
                                f"{result['macro_f1']}, accuracy {result['accuracy']}", out)
    matrix = result["confusion"]
    rows = [{"true \\ predicted": role, **dict(zip(matrix["roles"], counts, strict=True))}
            for role, counts in zip(matrix["roles"], matrix["matrix"], strict=True)]
    print_rows(rows, "Confusion matrix", out)


@roles_group.command("estimate")
@click.option("--model", "model", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--texts", "texts", required=True, type=click.Path(exists=True, dir_okay=False),
              help="A table with a column text.")
@click.option("--method", default="pacc", show_default=True,
              type=click.Choice(["pacc", "acc", "cc"]),
              help="pacc/acc: corrected for the model's errors; cc: the plain count.")
@click.option("--bootstrap", default=200, show_default=True, type=click.IntRange(min=0))
@click.option("--seed", default=0, show_default=True)
@json_option
@friendly_errors
def roles_estimate(model: str, texts: str, method: str, bootstrap: int, seed: int,
                   as_json: bool) -> None:
    """Each role's share among a table's texts, with a 95% interval.

    \b
    Example:
      groundswell roles estimate --model metoo.model --texts posts.csv --json
    """
    from groundswell.report.console import print_rows

    result = api.roles_estimate(model, texts, method=method, bootstrap=bootstrap, seed=seed)
    if as_json:
        emit_json(result)
        return
    print_rows(result["roles"], f"{result['texts']:,} texts, {method}: each role's share "
                                "(95% interval)", out)


@click.command()
@db_option
@click.option("--campaign", "campaign_file", type=click.Path(dir_okay=False),
              help="Campaign file (TOML); its [roles] names the roles to choose from.")
@click.option("--tag", "tags", multiple=True, metavar="TAG",
              help="Ad-hoc campaign: its main tag, then variants (repeatable).")
@click.option("-n", "--n", "count", default=300, show_default=True, type=click.IntRange(1),
              help="Posts to label (stratified by day, language and kind).")
@click.option("--seed", default=0, show_default=True)
@click.option("--labeller", default=lambda: os.environ.get("USER") or "me",
              show_default="$USER", help="Who labels (stored with each label).")
@click.option("--sheet", "sheet", type=click.Path(dir_okay=False),
              help="Write the sample as a CSV to fill in (column role) instead of asking here.")
@click.option("--import", "imported", type=click.Path(exists=True, dir_okay=False),
              help="Read a filled sheet (columns platform, post_id, role) into the store.")
@friendly_errors
def label(db: str, campaign_file: str | None, tags: tuple[str, ...], count: int, seed: int,
          labeller: str, sheet: str | None, imported: str | None) -> None:
    """Label posts with their role, here in the terminal or in a sheet; the labels are stored
    with who gave them and when, and `groundswell roles train --db` learns from them.

    The sample is stratified by day, language and kind, and leaves out what this labeller
    has labelled already. A sheet holds the posts' texts: keep it private.

    \b
    Examples:
      groundswell label --db metoo.duckdb --campaign metoo.toml -n 300
      groundswell label --db metoo.duckdb --campaign metoo.toml --sheet to-label.csv
      groundswell label --db metoo.duckdb --campaign metoo.toml --import to-label.csv
    """
    from groundswell.roles.sets import RoleSet

    campaign = api.campaign_of(campaign_file, tags)
    roles = RoleSet.from_config(json.loads(campaign.roles_config)
                                if campaign and campaign.roles_config else None)
    with open_store(db) as store:
        if imported:
            found = _read_sheet(imported, roles)
            written = api.save_labels(store, found, labeller)
            out.print(f"Stored {written:,} labels by {labeller} from {imported}",
                      highlight=False)
            return
        sample = api.label_sample(store, campaign, tags, n=count, seed=seed,
                                  labeller=labeller)
        if sheet:
            _write_sheet(sheet, sample)
            out.print(f"Wrote {len(sample):,} posts to {sheet}: fill in the column role "
                      f"({', '.join(roles.names)}), then --import it", highlight=False)
            return
        done = _ask(store, sample, roles, labeller)
    out.print(f"Stored {done:,} labels by {labeller}", highlight=False)


def _write_sheet(path: str, sample: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["platform", "post_id", "created_at", "lang", "kind", "text", "role"])
        for r in sample:
            writer.writerow([r["platform"], r["post_id"], r["created_at"].isoformat(),
                             r["lang"] or "", r["kind"], r["text"] or "", ""])


def _read_sheet(path: str, roles) -> list[tuple[str, str, str]]:
    """``(platform, post_id, role)`` of the filled rows; an unknown role is an error naming
    its line (nothing is stored from a sheet with one)."""
    found, bad = [], []
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = {"platform", "post_id", "role"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: no column {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            written = (row.get("role") or "").strip()
            if not written:
                continue
            role = roles.canonical(written)
            if role is None:
                bad.append(f"line {line}: {written!r}")
            else:
                found.append((row["platform"], row["post_id"], role))
    if bad:
        raise ValueError(f"{path}: roles that are not in the set ({', '.join(roles.names)}): "
                         + "; ".join(bad[:10]))
    return found


def _ask(store, sample: list[dict], roles, labeller: str) -> int:
    """Ask for each post's role in the terminal; every answer is stored at once."""
    keys = {str(i + 1): name for i, name in enumerate(roles.names)}
    menu = "  ".join(f"[bold]{k}[/] {name}" for k, name in keys.items())
    done = 0
    for i, post in enumerate(sample, start=1):
        out.rule(f"{i}/{len(sample)} · {post['platform']} · {post['lang'] or 'und'} · "
                 f"{post['kind']} · {post['created_at']:%Y-%m-%d %H:%M}")
        out.print(post["text"] or "(no text)", highlight=False, markup=False)
        out.print(menu + "  [bold]s[/] skip  [bold]q[/] quit")
        answer = click.prompt("role", type=click.Choice([*keys, "s", "q"]),
                              show_choices=False)
        if answer == "q":
            break
        if answer != "s":
            done += api.save_labels(store, [(post["platform"], post["post_id"],
                                             keys[answer])], labeller)
    return done
