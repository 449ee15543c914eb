"""Finished runs written straight into beekeeper.db (what thousands of real runs leave there), for
the benchmarks and the browser tests that need a long history without running it."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from beekeeper_ext.params import parse_args


def stamp(t: datetime) -> str:
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def finished_runs(count: int, projects: list[str], newest: datetime, first_seq: int = 1,
                  rng: random.Random | None = None) -> list[dict]:
    """`count` succeeded runs a minute apart up to `newest`, dealt over `projects` in turn, with
    varied --lr / --batch-size / model.depth args (so params and sorts have something to show)."""
    rng = rng or random.Random(0)
    rows = []
    for i in range(count):
        created = newest - timedelta(minutes=count - i)
        run_id = created.strftime("%Y%m%d-%H%M%S-") + f"{first_seq + i - 1:04x}"
        args = ["--lr", f"{rng.choice([1e-4, 3e-4, 1e-3, 3e-3]):g}", "--batch-size", str(rng.choice([32, 64, 128])),
                f"model.depth={rng.randint(2, 24)}"]
        seq = first_seq + i
        rows.append({"id": run_id, "seq": seq, "queue_order": seq, "project": projects[i % len(projects)],
                     "state": "succeeded", "executor": "local", "command": [], "args": args, "env": {},
                     "gpus_requested": 0, "gpus": [], "resources": {}, "params": parse_args(args),
                     "commit_sha": "0" * 40, "host": "bench", "exit_code": 0, "created": stamp(created),
                     "started": stamp(created), "ended": stamp(created + timedelta(minutes=30))})
    return rows
