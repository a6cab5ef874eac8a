"""Bad parameters, through the Python API and the CLI: one clear error naming the
parameter (as the user spelled it) and its allowed range; nothing is trained or written."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wordvec import Word2Vec
from wordvec.cli.main import cli
from wordvec.errors import ParameterError
from wordvec.models.word2vec import PARAMS

# (parameter, bad value, CLI flag and value or None, message after "NAME=VALUE is invalid: ")
BAD = [
    ("vector_size", 0, ("--dim", "0"), "must be an integer in [1, 100000]"),
    ("vector_size", 2.5, None, "must be an integer in [1, 100000]"),
    ("window", 0, ("--window", "0"), "must be an integer in [1, 1000]"),
    ("min_count", 0, ("--min-count", "0"), "must be an integer >= 1"),
    ("negative", -1, ("--negative", "-1"), "must be an integer in [0, 1000]"),
    ("ns_exponent", 11.0, ("--ns-exponent", "11"), "must be a number in [-10, 10]"),
    ("alpha", 0.0, ("--alpha", "0"), "must be a number in (0, 10]"),
    ("alpha", float("nan"), ("--alpha", "nan"), "must be a number in (0, 10]"),
    ("alpha", 10**400, None, "must be a number in (0, 10]"),
    ("min_alpha", 0.5, ("--min-alpha", "0.5"), "must be a number in [0, alpha=0.025]"),
    ("sample", 2.0, ("--sample", "2"), "must be a number in [0, 1] (0 disables subsampling)"),
    ("sample", float("inf"), ("--sample", "inf"), "must be a number in [0, 1] (0 disables subsampling)"),
    ("epochs", 0, ("--epochs", "0"), "must be an integer >= 1"),
    ("epochs", True, None, "must be an integer >= 1"),
    ("workers", 0, ("--workers", "0"), "must be an integer in [1, 1024]"),
    ("seed", -1, ("--seed", "-1"), "must be an integer in [0, 2**64)"),
    ("max_vocab_size", 0, ("--max-vocab-size", "0"), "must be an integer >= 1 or None"),
    ("max_final_vocab", 0, ("--max-final-vocab", "0"), "must be an integer >= 1 or None"),
    ("standardize", "upper", None, "must be one of lower_strip_punctuation, lower, strip_punctuation, text8, none"),
    ("max_sentence_length", 0, ("--max-sentence-length", "0"), "must be an integer >= 1"),
    ("batch_words", 0, None, "must be an integer >= 1"),
    ("report_seconds", 0, None, "must be a number > 0"),
    ("hs", "no", None, "must be True or False (or 1 or 0)"),
    ("sg", None, None, "must be True or False (or 1 or 0)"),
    ("cbow_mean", 2, None, "must be True or False (or 1 or 0)"),
]


@pytest.mark.parametrize("name, value, flag, message", BAD, ids=[f"{b[0]}={b[1]!r}" for b in BAD])
def test_bad_parameter_python(name, value, flag, message):
    with pytest.raises(ParameterError) as err:
        Word2Vec(**{name: value})
    assert str(err.value) == f"{name}={value!r} is invalid: {message}"


CLI_BAD = [b for b in BAD if b[2] is not None]


@pytest.mark.parametrize("name, value, flag, message", CLI_BAD, ids=[" ".join(b[2]) for b in CLI_BAD])
def test_bad_parameter_cli(tmp_path, capsys, name, value, flag, message):
    corpus = tmp_path / "c.txt"
    corpus.write_text("some words here\n" * 10)
    try:
        cli.main(args=["train", str(corpus), "-o", str(tmp_path / "m"), *flag], prog_name="wordvec",
                 standalone_mode=False)
    except SystemExit as e:
        assert e.code == 2
    else:
        raise AssertionError("no error")
    err = capsys.readouterr().err
    assert err.startswith(f"wordvec: error: {flag[0]}=") and err.endswith(f" is invalid: {message}\n")
    assert err.count("\n") == 1
    assert not (tmp_path / "m").exists()


def test_nothing_to_train_names_both_parameters():
    with pytest.raises(ParameterError, match=r"^negative=0 and hs=False leave nothing to train"):
        Word2Vec(negative=0, hs=False)


def test_callbacks_must_be_callbacks():
    with pytest.raises(ParameterError, match=r"^callbacks: .* is not a wordvec\.train\.callbacks\.Callback"):
        Word2Vec(min_count=1, epochs=1, workers=1).fit([["a", "b"]] * 5, callbacks=[print])


def test_cli_type_errors_are_usage_errors(tmp_path):
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["train", "x.txt", "-o", str(tmp_path / "m"), "--dim", "many"])
    assert result.exit_code == 2 and "Invalid value for '--dim'" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(-10**500, 10**500),
                   st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5),
                   st.lists(st.integers(), max_size=2))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(name=st.sampled_from([p for p in PARAMS]), value=VALUES)
def test_any_parameter_value_is_valid_or_a_parameter_error(name, value):
    try:
        model = Word2Vec(**{name: value})
    except ParameterError as e:
        assert str(e).startswith(name + "=") or name in ("negative", "hs")
        return
    model.validate()  # what was accepted stays valid
