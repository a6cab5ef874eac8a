"""Entry point. Every error a user can cause becomes one line on stderr and exit status 2;
Ctrl-C exits with 130. Tracebacks are only for bugs (set WORDVEC_DEBUG=1 to see them)."""
from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
import warnings

import click

from ..errors import SaveInterrupted, WordvecError


class Group(click.Group):
    def main(self, *args, **kwargs):
        kwargs.setdefault("standalone_mode", True)
        return super().main(*args, **kwargs)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except SaveInterrupted as e:  # names what was being saved and that it is unchanged
            click.echo(f"wordvec: {e}", err=True)
            sys.exit(130)
        except KeyboardInterrupt:
            click.echo("wordvec: interrupted", err=True)
            sys.exit(130)
        except WordvecError as e:
            if os.environ.get("WORDVEC_DEBUG"):
                raise
            click.echo(f"wordvec: error: {e}", err=True)
            sys.exit(2)
        except KeyError as e:  # unknown words in queries
            if os.environ.get("WORDVEC_DEBUG"):
                raise
            click.echo(f"wordvec: error: {e.args[0] if e.args else e}", err=True)
            sys.exit(2)
        except OSError as e:
            if os.environ.get("WORDVEC_DEBUG"):
                raise
            where = f"{e.filename}: " if getattr(e, "filename", None) else ""
            click.echo(f"wordvec: error: {where}{e.strerror or e}", err=True)
            sys.exit(2)
        except MemoryError:
            click.echo(f"wordvec: error: out of memory ({_memory_advice(ctx.invoked_subcommand)})", err=True)
            sys.exit(2)


def _memory_advice(command) -> str:
    """What the user can change, for the command that ran out of memory."""
    if command == "train":
        return "try a smaller vocabulary: --max-vocab-size or --max-final-vocab, or fewer --dim"
    if command == "demo":
        return "the demo needs more memory than this machine has free"
    if command == "tutorial":
        return "try a smaller --vocab-size, --dim or --batch-size"
    return "the model does not fit in this machine's memory; query it on a machine with more"


def _warning_line(message, category, filename, lineno, file=None, line=None):
    # Warnings are for users here: one line, no source location.
    print(f"wordvec: warning: {message}", file=file or sys.stderr)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="wordvec")
def cli():
    """wordvec: train, query, evaluate and export word2vec embeddings."""
    warnings.showwarning = _warning_line


# command -> the module that defines it (``COMMANDS`` there). A command's module is imported
# when the command is asked for, so ``wordvec similar`` loads the query module alone, not
# the Spark, topics or tutorial code (tests/test_cli_defaults.py checks this table).
COMMAND_MODULES = {
    "train": "train", "spark-train": "spark", "phrases": "phrases", "demo": "data", "download": "data",
    "similar": "query", "index": "query", "analogy": "query", "odd": "query", "predict": "query", "evaluate": "query",
    "export": "query", "infer": "doc2vec", "topics": "topics", "align": "align", "translate": "align",
    "plot": "plot", "tutorial": "tutorial",
}


def _load(module_name: str) -> None:
    # The command modules never import this one: they define their commands and are added
    # here, so importing any of them alone works and nothing is circular.
    import importlib

    for command in importlib.import_module(f"{__package__}.{module_name}").COMMANDS:
        cli.add_command(command)


def _list_commands(ctx):
    return sorted(set(cli.commands) | set(COMMAND_MODULES))


def _get_command(ctx, name):
    if name not in cli.commands and name in COMMAND_MODULES:
        _load(COMMAND_MODULES[name])
    return cli.commands.get(name)


cli.list_commands = _list_commands
cli.get_command = _get_command


def _terminate(signum, frame):
    raise KeyboardInterrupt


def stop_on_sigterm() -> None:
    """SIGTERM (a scheduler, ``kill``, ``timeout``) is Ctrl-C from the first moment: the
    same message and exit status, scratch folders and temporaries removed, a checkpoint
    written if training is under way. (Its default action killed us silently, leaving
    the encoded corpus in $TMPDIR.)"""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)


def main(argv=None) -> None:
    stop_on_sigterm()
    cli.main(args=argv, prog_name="wordvec")


def run() -> None:
    """The ``wordvec`` console script and ``python -m wordvec.cli``: ``main()``, then exit
    without tearing the interpreter down. Freeing its ~900 modules (Numba's and LLVM's
    among them) takes 0.15-0.3 s, as long as some whole commands; by then every file is
    closed, and the exit handlers (logging, temporary files, Numba's) still run here.
    Only a clean exit takes the shortcut: a bug's traceback, or a thread still working,
    exits the usual way."""
    try:
        main()
    except SystemExit as e:
        code = e.code
    else:
        code = 0
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if run_exit_handlers is None or any(t.is_alive() for t in others):
        sys.exit(code)
    try:
        run_exit_handlers()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe (``| head``) has nothing left to say
                pass
        os._exit(code or 0)
