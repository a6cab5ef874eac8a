"""The CLI's defaults are the API's (read from the signatures), apart from the listed
differences; and starting the CLI imports neither Numba nor the models."""
from __future__ import annotations

import inspect
import subprocess
import sys

import click
import pytest

from wordvec.cli.defaults import DIFFERENCES, OPTIONS, api_default, signature_defaults
from wordvec.cli.main import cli


def _option(command: str, flag: str) -> click.Option:
    cmd = cli.get_command(None, command)
    for p in cmd.params:
        if isinstance(p, click.Option) and (flag in p.opts or flag in p.secondary_opts):
            return p
    raise AssertionError(f"wordvec {command} has no option {flag}")


CASES = [(command, flag) for command, (_, table) in OPTIONS.items() for flag in table]


@pytest.mark.parametrize("command, flag", CASES, ids=[f"{c} {f}" for c, f in CASES])
def test_every_mapped_option_defaults_to_the_api(command, flag):
    option = _option(command, flag)
    target, table = OPTIONS[command]
    expected = DIFFERENCES[command, flag].cli if (command, flag) in DIFFERENCES else api_default(target, table[flag])
    value = option.default
    if flag in option.secondary_opts:  # the off side of an on/off pair
        value = not value
    assert value == expected, f"wordvec {command} {flag}: {value!r}, the API says {expected!r}"


@pytest.mark.parametrize("key", list(DIFFERENCES), ids=[" ".join(k) for k in DIFFERENCES])
def test_differences_are_real_and_explained(key):
    command, flag = key
    diff = DIFFERENCES[key]
    assert _option(command, flag).default == diff.cli and len(diff.why) > 20
    assert signature_defaults(diff.target)[diff.parameter] != diff.cli  # else it is no difference


def test_source_reading_agrees_with_inspect():
    for target in {t for t, _ in OPTIONS.values()}:
        real = {n: p.default for n, p in inspect.signature(target.resolve()).parameters.items()
                if p.default is not inspect.Parameter.empty}
        assert signature_defaults(target) == real, target


def test_starting_the_cli_loads_no_numba_and_no_model():
    code = ("import sys; from wordvec.cli.main import cli; "
            "cli.main(['--help'], standalone_mode=False); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'numba' or m.startswith('wordvec.models')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_every_command_module_imports_alone():
    """No import circle: each command module can be the first wordvec module imported."""
    import wordvec.cli as pkg
    from pathlib import Path

    names = [p.stem for p in Path(pkg.__file__).parent.glob("*.py") if p.stem not in ("__init__", "__main__")]
    for name in names:
        out = subprocess.run([sys.executable, "-c", f"import wordvec.cli.{name}"], capture_output=True, text=True,
                             timeout=120)
        assert out.returncode == 0, (name, out.stderr[-500:])


def test_the_command_table_names_every_command_of_every_module():
    import importlib
    from pathlib import Path

    import wordvec.cli as pkg
    from wordvec.cli.main import COMMAND_MODULES

    found = {}
    for path in Path(pkg.__file__).parent.glob("*.py"):
        if path.stem in ("__init__", "__main__"):  # __main__ runs the CLI when imported
            continue
        module = importlib.import_module(f"wordvec.cli.{path.stem}")
        for command in getattr(module, "COMMANDS", []):
            found[command.name] = path.stem
    assert found == COMMAND_MODULES


def test_a_query_loads_only_its_own_command_module():
    code = ("import sys; from wordvec.cli.main import cli; cli.get_command(None, 'similar'); "
            "print(sorted(m for m in sys.modules if m.startswith('wordvec.cli.') and m not in "
            "('wordvec.cli.main', 'wordvec.cli.defaults')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "['wordvec.cli.query']"
