"""How an ``etl`` command registers itself: ``add_command`` adds its subparser, its
``--state-dir`` (the local state most commands read) and the function that runs it; the
command's module adds its own arguments to the parser it returns."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_STATE_DIR = Path(".etl")
STATE_DIR_PURPOSE = "where the local AWS state is kept between runs"


def add_command(
    subparsers: Any,
    name: str,
    func: Callable[[argparse.Namespace], int],
    *,
    state_dir: str | None = STATE_DIR_PURPOSE,
    **parser_options: Any,
) -> argparse.ArgumentParser:
    """The subparser of ``etl NAME`` (``help``, ``description``, ... as argparse takes them),
    running ``func``; with ``--state-dir`` described by ``state_dir`` unless it is None."""
    parser: argparse.ArgumentParser = subparsers.add_parser(name, **parser_options)
    if state_dir is not None:
        add_state_dir_argument(parser, state_dir)
    parser.set_defaults(func=func)
    return parser


def add_state_dir_argument(parser: argparse.ArgumentParser, purpose: str) -> None:
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=DEFAULT_STATE_DIR,
        help=f"{purpose} (default: {DEFAULT_STATE_DIR})",
    )


def add_port_argument(parser: argparse.ArgumentParser, default: int) -> None:
    """--port of a server on 127.0.0.1 (`etl dashboard`, `etl api`)."""
    parser.add_argument(
        "--port",
        type=int,
        default=default,
        help=f"TCP port on 127.0.0.1; 0 picks a free one (default: {default})",
    )
