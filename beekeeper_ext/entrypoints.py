"""What a run starts: a project's `train_file` as a script, a module or a notebook, and the
placeholders its arguments and environment may use.

`train_file` takes three forms, each confined to the checkout (a symbolic link out of src/ is
refused, as for the other paths):

- `train.py` — a script, run as `python -u train.py ARGS`;
- `-m package.train` — a module, run as `python -u -m package.train ARGS` from src/;
- `notebook.ipynb` — a notebook, executed headless by nbclient in the project's venv (the
  driver, notebook_driver.py, is copied into the run folder): the run's args become
  parameters (`--lr 0.1` → `lr = 0.1`, as params.py reads them), injected papermill-style in
  a new cell after the cell tagged `parameters`; the executed notebook is saved in the run folder.

Placeholders `{run_id}`, `{run_dir}`, `{project}` and `{src}` in args and env values are
replaced at launch (so `--work-dir out/{run_id}` separates runs); `{{run_id}}` gives a literal
`{run_id}`, and every other brace is left as it is (JSON arguments pass untouched).
"""

from __future__ import annotations

import json
import keyword
import re
import shutil
from pathlib import Path

from . import validation as v
from .errors import bad_request

MODULE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
PLACEHOLDERS = ("run_id", "run_dir", "project", "src")
PLACEHOLDER_RE = re.compile(r"\{\{(" + "|".join(PLACEHOLDERS) + r")\}\}|\{(" + "|".join(PLACEHOLDERS) + r")\}")
DRIVER = Path(__file__).parent / "notebook_driver.py"
DRIVER_NAME = "notebook_driver.py"
#: What a notebook run needs in the project's venv; installed at setup when train_file is a notebook.
NOTEBOOK_PACKAGES = ("ipykernel", "nbclient")


def kind(train_file: str) -> str:
    """'module', 'notebook' or 'script'."""
    if train_file.startswith("-m "):
        return "module"
    return "notebook" if train_file.lower().endswith(".ipynb") else "script"


def validate(value, field: str = "train_file") -> str:
    """A relative path inside the project, or `-m dotted.module`."""
    if isinstance(value, str) and value.startswith("-m"):
        module = value[2:].strip()
        if value[2:3] not in (" ", "\t") or not MODULE_RE.fullmatch(module):
            raise bad_request(field, f"{field} '-m MODULE' needs a dotted module name like package.train")
        return f"-m {module}"
    return v.relative_path(value, field)


def module_paths(module: str) -> list[str]:
    """Where a module of the checkout may live (flat or src/ layout): each existing one is checked
    for links out of the checkout; a module found nowhere may come from an installed package."""
    parts = module.split(".")
    found = []
    for base in ([], ["src"]):
        for i in range(1, len(parts) + 1):
            found.append("/".join(base + parts[:i]))
        found.append("/".join(base + parts) + ".py")
    return found


def escapes(paths, train_file: str) -> bool:
    """Whether train_file (any form) leads outside the checkout through a symbolic link."""
    if kind(train_file) != "module":
        return paths.in_src(train_file) is None
    for relative in module_paths(train_file[3:]):
        candidate = paths.src / relative
        if (candidate.exists() or candidate.is_symlink()) and paths.in_src(relative) is None:
            return True
    return False


def expand(text: str, values: dict[str, str]) -> str:
    """Replace `{name}` placeholders; `{{name}}` stays a literal `{name}`; other braces stay."""
    def replace(match: re.Match) -> str:
        if match.group(1):
            return "{" + match.group(1) + "}"
        return values[match.group(2)]

    return PLACEHOLDER_RE.sub(replace, text)


def notebook_output(train_file: str) -> str:
    """The executed notebook's name inside the run folder."""
    return Path(train_file).name


def command(python: Path, train_file: str, args: list[str], src: Path, run_dir: Path) -> list[str]:
    """The argv of a run. For a notebook the driver is copied into the run folder first, so the
    run folder holds what ran (and no Beekeeper module sits on the run's import path)."""
    form = kind(train_file)
    if form == "module":
        return [str(python), "-u", "-m", train_file[3:], *args]
    if form == "script":
        return [str(python), "-u", train_file, *args]
    from .params import parse_args

    params = {key: value for key, value in parse_args(args).items()
              if key.isidentifier() and not keyword.iskeyword(key)}
    shutil.copyfile(DRIVER, run_dir / DRIVER_NAME)
    return [str(python), "-u", str(run_dir / DRIVER_NAME), str(src / train_file),
            str(run_dir / notebook_output(train_file)), json.dumps(params)]
