"""The benchmark tables, written from bench/results.json, never typed.

    python -m etl_tools.benchmarks_doc      rewrite the tables between the markers

docs/benchmarks.md holds what `make bench` prints (bench's own render); the README holds its
goals table. A test (tests/docs/test_benchmarks_doc.py) fails when a committed table differs
from what this makes.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results.json"
BEGIN = "<!-- bench table: python -m etl_tools.benchmarks_doc writes it from bench/results.json -->"
END = "<!-- end of bench table -->"


class MarkersMissing(ValueError):
    pass


def _bench_main() -> Any:
    if str(REPO) not in sys.path:  # bench/ is a folder of the repository, not an installed package
        sys.path.insert(0, str(REPO))
    import bench.__main__

    return bench.__main__


def table(results: dict[str, Any]) -> str:
    return f"```\n{_bench_main().render(results)}\n```"


def goals(results: dict[str, Any]) -> str:
    return f"```\n{_bench_main().goals_table(results)}\n```"


DOCUMENTS: dict[Path, Callable[[dict[str, Any]], str]] = {
    REPO / "docs" / "benchmarks.md": table,
    REPO / "README.md": goals,
}


def fill(document: str, generated: str) -> str:
    """The document with the text between its markers replaced by the generated table."""
    head, begin, rest = document.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if not begin or not end:
        raise MarkersMissing(f"the markers {BEGIN!r} and {END!r} are not both there")
    return f"{head}{BEGIN}\n{generated}\n{END}{tail}"


def current_table(path: Path) -> str:
    """The table ``path`` should hold, from the committed figures."""
    return DOCUMENTS[path](json.loads(RESULTS.read_text()))


def main() -> int:
    for path in DOCUMENTS:
        try:
            path.write_text(fill(path.read_text(), current_table(path)))
        except MarkersMissing as error:
            print(f"{path.relative_to(REPO)}: {error}", file=sys.stderr)
            return 1
        print(f"wrote the table in {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
