"""``--logdir`` / ``--eval-analogies`` / ``--eval-similarity``: the options any training
command adds to be watched in TensorBoard (see ``wordvec.viz.tensorboard``)."""
from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

import click


def tensorboard_options(command):
    """Add the TensorBoard options to a click command (as ``logdir``, ``eval_analogies``,
    ``eval_similarity`` keyword arguments)."""
    for option in reversed([
        click.option("--logdir", type=click.Path(path_type=Path), default=None,
                     help="Write TensorBoard logs (curves, parameters, Projector) into a new run folder here."),
        click.option("--eval-analogies", type=click.Path(path_type=Path), default=None,
                     help="With --logdir: log analogy accuracy on this questions-words file after every epoch."),
        click.option("--eval-similarity", type=click.Path(path_type=Path), multiple=True,
                     help="With --logdir: log Spearman's rho on this word-pair file after every epoch (repeatable)."),
    ]):
        command = option(command)
    return command


def tensorboard_callbacks(logdir, eval_analogies=None, eval_similarity=(), run_name=None, default: bool = False) -> list:
    """The callbacks for these options: none without ``--logdir``. ``default``: the
    logs were not asked for (a command that logs by default): without the tensorboard
    package they are skipped with one warning instead of failing the command."""
    from ..errors import ParameterError

    if logdir is None:
        if eval_analogies or eval_similarity:
            raise ParameterError("--eval-analogies/--eval-similarity need --logdir (where to write the scores)")
        return []
    from ..viz.tensorboard import DEFAULT_PROJECTOR_TOP, TensorBoardCallback, default_logs_possible

    if default and not default_logs_possible():
        return []

    return [TensorBoardCallback(logdir, run_name=run_name, eval_analogies=eval_analogies,
                                eval_similarity=tuple(eval_similarity), projector_top=DEFAULT_PROJECTOR_TOP)]


def tensorboard_command() -> str:
    """How to start TensorBoard from here: ``tensorboard`` when it is on PATH, else the
    one installed beside this Python (e.g. ``.venv/bin/tensorboard`` after ``make demo``)."""
    if shutil.which("tensorboard"):
        return "tensorboard"
    beside = Path(sys.executable).parent / "tensorboard"
    if not beside.is_file():
        return "tensorboard"
    try:
        beside = beside.relative_to(Path.cwd())
    except ValueError:
        pass
    return shlex.quote(str(beside))


def echo_tensorboard_hint(callbacks) -> None:
    """Tell the user where the logs are and how to look at them."""
    from ..viz.tensorboard import TensorBoardCallback

    for cb in callbacks:
        if isinstance(cb, TensorBoardCallback) and cb.run_dir is not None:
            click.echo(f"TensorBoard logs in {cb.run_dir}; to watch: {tensorboard_command()} --logdir {shlex.quote(str(cb.logdir))}")
