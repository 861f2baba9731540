"""etl_tools/cli.py registers every command one way: a function in COMMANDS adds its subparser
and sets the function that runs it; build_parser only loops over them."""

from __future__ import annotations

import argparse
import inspect

from etl_tools import cli


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return action.choices


def test_each_registration_adds_commands_that_run_something() -> None:
    for register in cli.COMMANDS:
        parser = argparse.ArgumentParser()
        register(parser.add_subparsers())
        commands = subcommands(parser)
        assert commands, register.__qualname__
        for name, command in commands.items():
            assert callable(command.get_default("func")), name


def test_the_parser_holds_exactly_the_registered_commands() -> None:
    registered = set()
    for register in cli.COMMANDS:
        parser = argparse.ArgumentParser()
        register(parser.add_subparsers())
        registered |= set(subcommands(parser))
    assert set(subcommands(cli.build_parser())) == registered


def test_build_parser_adds_no_command_of_its_own() -> None:
    assert "add_parser(" not in inspect.getsource(cli.build_parser)
