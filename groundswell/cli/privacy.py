"""``groundswell keys`` and ``groundswell share``: the pseudonym key and the published bundle
(docs/privacy.md)."""

from __future__ import annotations

import os
import stat

import click

from groundswell import api
from groundswell.cli.common import (
    db_option,
    emit_json,
    err,
    friendly_errors,
    json_option,
    open_store,
    out,
)


@click.group()
def keys() -> None:
    """The pseudonym key: where it lives, and rotating it.

    Private accounts appear in every output as keyed pseudonyms (acct-…). The key lives
    outside the store, in an owner-only file under ~/.config/groundswell/keys/ (or
    $GROUNDSWELL_KEY_DIR), named by the store's id. Losing it never loses data: a new key is
    made and pseudonyms change; only the link to pseudonyms published earlier is lost.
    """


@keys.command("show")
@db_option
@json_option
@friendly_errors
def keys_show(db: str, as_json: bool) -> None:
    """Where the store's key file is, its permissions and fingerprint (never the key).

    \b
    Example:
      groundswell keys show --db metoo.duckdb
    """
    from groundswell.keys import fingerprint, key_path

    with open_store(db) as store:  # to write: a store from before keys moved out hands it over
        key = store.pseudonym_key
        path = key_path(store.store_id)
    mode = stat.S_IMODE(os.stat(path).st_mode) if path.exists() else None
    found = {"key_file": str(path), "permissions": None if mode is None else oct(mode),
             "fingerprint": fingerprint(key)}
    if as_json:
        emit_json(found)
        return
    out.print(f"key file: {found['key_file']}\npermissions: {found['permissions']}\n"
              f"fingerprint: {found['fingerprint']}", highlight=False)


@keys.command("rotate")
@db_option
@json_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@friendly_errors
def keys_rotate(db: str, as_json: bool, yes: bool) -> None:
    """Re-key: every pseudonym changes from now on; the data does not.

    Pseudonyms already published (reports, private exports) can no longer be linked to the
    new ones, and `groundswell forget` cannot clean private exports written under the old key
    (delete them or export again).

    \b
    Example:
      groundswell keys rotate --db metoo.duckdb --yes
    """
    if not yes:
        click.confirm("Every pseudonym will change and earlier ones cannot be linked again. "
                      "Rotate the key?", abort=True, err=True)
    with open_store(db) as store:
        found = api.rotate_key(store)
    if as_json:
        emit_json(found)
        return
    out.print(f"New key in {found['key_file']} (fingerprint {found['before']} → "
              f"{found['after']}); pseudonyms change from now on.", highlight=False)


@click.command()
@db_option
@json_option
@click.option("--campaign", "campaign_file", required=True, type=click.Path(dir_okay=False),
              help="Campaign file: its tags, its privacy policy and its ε budget.")
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False),
              help="Folder to write (new or empty).")
@click.option("--epsilon", type=float, default=None, metavar="ε",
              help="ε of the bundle's DP release [default: the campaign's [privacy] epsilon].")
@friendly_errors
def share(db: str, as_json: bool, campaign_file: str, output: str,
          epsilon: float | None) -> None:
    """Write a published-safe bundle: DP numbers, suppressed tables, the HTML report, README.

    Only what may be published: the differentially private magnitude numbers (this spends ε
    from the campaign's budget), every metric's tables with small cells suppressed, the HTML
    report, and a README stating ε, k and what was left out. There is no --reveal here.

    \b
    Example:
      groundswell share --db metoo.duckdb --campaign metoo.toml -o metoo-published/
    """
    with open_store(db) as store:
        found = api.share(store, campaign_file, output, epsilon)
    if as_json:
        emit_json(found)
        return
    out.print(f"Wrote {len(found['files'])} files to {found['folder']} (ε {found['epsilon']}, "
              f"{found['suppressed_cells']:,} cells suppressed); read its README.md before "
              "publishing.", highlight=False)
    err.print("Nothing in the bundle names a private account; see docs/privacy.md.",
              highlight=False)
