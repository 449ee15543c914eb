"""Run params parsed from argv: every common CLI style, typed values, never env values."""

from __future__ import annotations

from beekeeper_ext.params import parse_args, run_params, typed


def test_argparse_styles_and_types():
    assert parse_args(["--lr", "0.01", "--epochs=20", "--batch-size", "64", "--amp", "--name", "exp a"]) == {
        "lr": 0.01, "epochs": 20, "batch_size": 64, "amp": True, "name": "exp a"}


def test_bare_flags_before_options_and_at_the_end_are_true():
    assert parse_args(["--fast", "--lr", "1e-3", "--debug"]) == {"fast": True, "lr": 0.001, "debug": True}


def test_negative_numbers_are_values_not_options():
    assert parse_args(["--shift", "-3", "--scale", "-1.5"]) == {"shift": -3, "scale": -1.5}


def test_hydra_overrides():
    assert parse_args(["lr=0.01", "model.depth=12", "+trainer.amp=true", "~data.augment", "opt=adam"]) == {
        "lr": 0.01, "model.depth": 12, "trainer.amp": True, "data.augment": None, "opt": "adam"}


def test_short_options_positional_and_later_wins():
    assert parse_args(["-n", "3", "data/train.csv", "--lr", "1", "--lr", "2", "--", "--raw"]) == {
        "n": 3, "lr": 2, "positional": ["data/train.csv", "--raw"]}


def test_typed_values():
    assert typed("3") == 3 and isinstance(typed("3"), int)
    assert typed("3.0") == 3.0 and isinstance(typed("3.0"), float)
    assert typed("False") is False and typed("null") is None
    assert typed("[1, 2]") == [1, 2] and typed("[oops") == "[oops"
    assert typed("inf") == "inf" and typed("1e400") == "1e400"


def test_run_params_add_gpus_commit_executor_and_never_env():
    row = {"args": ["--lr", "0.1"], "gpus": [0, 1], "commit_sha": "abc123", "executor": "local",
           "env": {"WANDB_API_KEY": "s3cret"}}
    params = run_params(row)
    assert params == {"lr": 0.1, "gpus": [0, 1], "commit": "abc123", "executor": "local"}
    assert "s3cret" not in repr(params)
