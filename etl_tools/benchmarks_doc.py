"""The benchmark table in docs/benchmarks.md, written from bench/results.json, never typed.

    python -m etl_tools.benchmarks_doc      rewrite the table between the markers

The table is what `make bench` prints (bench's own render), from the figures it saved; a test
(tests/docs/test_benchmarks_doc.py) fails when the committed table differs from what this makes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results.json"
DOCUMENTS = (REPO / "docs" / "benchmarks.md",)
BEGIN = "<!-- bench table: python -m etl_tools.benchmarks_doc writes it from bench/results.json -->"
END = "<!-- end of bench table -->"


class MarkersMissing(ValueError):
    pass


def table(results: dict[str, Any]) -> str:
    if str(REPO) not in sys.path:  # bench/ is a folder of the repository, not an installed package
        sys.path.insert(0, str(REPO))
    from bench.__main__ import render

    return f"```\n{render(results)}\n```"


def fill(document: str, generated: str) -> str:
    """The document with the text between its markers replaced by the generated table."""
    head, begin, rest = document.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if not begin or not end:
        raise MarkersMissing(f"the markers {BEGIN!r} and {END!r} are not both there")
    return f"{head}{BEGIN}\n{generated}\n{END}{tail}"


def current_table() -> str:
    return table(json.loads(RESULTS.read_text()))


def main() -> int:
    generated = current_table()
    for path in DOCUMENTS:
        try:
            path.write_text(fill(path.read_text(), generated))
        except MarkersMissing as error:
            print(f"{path.relative_to(REPO)}: {error}", file=sys.stderr)
            return 1
        print(f"wrote the table in {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
