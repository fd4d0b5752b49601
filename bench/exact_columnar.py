"""What an *exact* columnar reading of Jetstream lines costs in DuckDB, before any rule: a
feasibility measurement for issue 22's speed target, not an ingest.

``bench/native_bluesky.py`` shows DuckDB's JSON reader putting the fields the Bluesky source
uses into typed columns in about a second per million lines. That reader coerces what it
reads (a ``text`` of ``5`` becomes ``'5'``, a record that is no object becomes NULL fields,
a duplicated key is read first where Python reads it last) and cannot say which line it could
not read, so a path built on it would store what the line path quarantines or reads
otherwise. The least a columnar path must add to stay exact is measured here, one step at a
time, over the same file in both threads (each step includes the ones above it):

1. the file's lines, as text (``read_csv`` with one column: what keeps line numbers);
2. ``json_valid``: a line that is not JSON is quarantined, not read as NULLs;
3. ``from_json``: the 16 values the source reads, typed;
4. the JSON type of each of them (``json_type``), or instead every value as its JSON fragment
   (``from_json`` with JSON leaves) whose first character gives its type: the cheaper one counts;
5. the keys of the 10 objects read (``json_keys``): no duplicated key.

Step 5's time is a floor for an exact columnar read, before the time rule, facets, kinds,
deduplication and the rows handed to the writer. Compare it with ``bench/floor.py --workers
2`` and ``bench/write_floor.py`` on the same data (docs/benchmarks.md).

Usage:  .venv/bin/python bench/exact_columnar.py FILE.jsonl [--rounds 2] [--threads 2]
"""

from __future__ import annotations

import argparse
import time

import duckdb

#: The values the Bluesky source reads from a Jetstream commit line, and the objects holding them.
VALUES = ("did", "time_us", "kind", "commit.operation", "commit.collection", "commit.rkey",
          "commit.record.text", "commit.record.createdAt", "commit.record.langs",
          "commit.record.tags", "commit.record.facets", "commit.record.reply",
          'commit.record.embed."$type"', "commit.record.embed.record.uri",
          "commit.record.embed.record.record.uri", "commit.record.subject.uri")
OBJECTS = ("$", "$.commit", "$.commit.record", "$.commit.record.reply",
           "$.commit.record.reply.parent", "$.commit.record.reply.root", "$.commit.record.embed",
           "$.commit.record.embed.record", "$.commit.record.embed.record.record",
           "$.commit.record.subject")
#: Values that stay JSON even when typed: lists and objects read further by the rules.
NESTED = {"commit.record.langs", "commit.record.tags", "commit.record.facets",
          "commit.record.reply"}


def structure(leaf: str) -> str:
    """``from_json``'s structure for :data:`VALUES`, scalars as ``leaf``."""
    tree: dict = {}
    for path in VALUES:
        parts = [p.strip('"') for p in path.split(".")]
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = "JSON" if path in NESTED else leaf

    def render(node: dict | str) -> str:
        if isinstance(node, str):
            return f'"{node}"'
        return "{" + ",".join(f'"{k}":{render(v)}' for k, v in node.items()) + "}"
    return render(tree)


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def steps(path: str) -> dict[str, str]:
    lines = (f"read_csv({literal(path)}, header = false, delim = chr(1), quote = '', "
             "escape = '', columns = {'line': 'VARCHAR'}, ignore_errors = true, "
             "parallel = true)")
    typed, fragments = literal(structure("VARCHAR")), literal(structure("JSON"))
    types = "[" + ", ".join(literal("$." + v) for v in VALUES) + "]"
    keys = "[" + ", ".join(map(literal, OBJECTS)) + "]"
    valid = f"FROM {lines} WHERE json_valid(line)"
    return {
        "1 lines": f"SELECT line FROM {lines}",
        "2 + json_valid": f"SELECT line {valid}",
        "3 + from_json, typed": f"SELECT from_json(line, {typed}) AS v {valid}",
        "4a + json_type of each value": f"SELECT from_json(line, {typed}) AS v, "
                                        f"json_type(line, {types}) AS t {valid}",
        "4b + values as JSON fragments instead": f"SELECT from_json(line, {fragments}) AS v "
                                                 f"{valid}",
        "5 + json_keys (4b)": f"SELECT from_json(line, {fragments}) AS v, "
                              f"json_keys(line, {keys}) AS k {valid}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    for name, query in steps(args.file).items():
        times = []
        for _ in range(args.rounds):
            con = duckdb.connect()
            con.execute(f"SET threads = {args.threads}")
            started = time.perf_counter()
            con.execute(f"CREATE TABLE x AS {query}")
            times.append(time.perf_counter() - started)
            rows = con.execute("SELECT count(*) FROM x").fetchall()[0][0]
            con.close()
        print(f"{name}: {min(times):.2f} s (best of {args.rounds}; {rows:,} lines, "
              f"{args.threads} threads)")


if __name__ == "__main__":
    main()
