"""Run states, setup states and project defaults: defined once, here.

Standard library only, so the Python client (which must work in any project venv) can import
them too. The models use the Literal types; the OpenAPI document carries them as enums and
defaults, which is where the front end's generated types come from.
"""

from __future__ import annotations

from typing import Literal, get_args

RunState = Literal["queued", "starting", "running", "succeeded", "failed", "stopped", "lost"]
RUN_STATES: tuple[str, ...] = get_args(RunState)
#: A run in one of these holds (or waits for) resources.
ACTIVE: tuple[str, ...] = RUN_STATES[:3]
#: Terminal states; an executor reports one of these for a run it was running.
FINISHED: tuple[str, ...] = RUN_STATES[3:]

SetupState = Literal["queued", "cloning", "creating_env", "installing", "ready", "failed"]
#: Setup is in flight: edits that re-run it, re-sync and runs wait.
SETUP_ACTIVE: tuple[str, ...] = get_args(SetupState)[:4]

StallAction = Literal["notify", "stop"]

#: Fields a new project gets when the create body leaves them out (the stall settings are stored
#: as None, "the default", and rendered as these).
PROJECT_DEFAULTS = {"branch": "main", "train_file": "train.py", "tensorboard_log_dir": "runs",
                    "requirements_file": "requirements.txt", "stall_timeout": 1800, "stall_action": "notify"}
