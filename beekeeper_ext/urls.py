"""Beekeeper's URL layout, in one place: the API and proxy prefixes and the path parameters.

Routes are paths below the server's `base_url` (ExtensionApp prepends it when it mounts them),
so what the API hands back to a client must be joined to `base_url` — see `absolute`.
"""

from __future__ import annotations

from jupyter_server.utils import url_path_join

API_PREFIX = "/beekeeper/api"
TENSORBOARD_PREFIX = "/beekeeper/tensorboard"

#: Path parameters: one URL segment each; services validate the value itself.
NAME = r"(?P<name>[^/]+)"
RUN = r"(?P<run_id>[^/]+)"
EXAMPLE = r"(?P<example>[^/]+)"
SINK = r"(?P<sink_id>[^/]+)"
SCHEDULE = r"(?P<schedule_id>[^/]+)"
SWEEP_ID = r"(?P<sweep_id>[^/]+)"
PATH = r"(?P<path>.*)"
TAG = r"(?P<tag>.+)"  # scalar tags hold slashes (loss/train): the rest of the path is the tag
PROXIED_PATH = r"(?P<proxied_path>.*)"


def api(*parts: str) -> str:
    """A route under the API prefix: `api("projects", NAME)`."""
    return url_path_join(API_PREFIX, *parts)


def tensorboard(name: str) -> str:
    """Where the proxy serves a project's TensorBoard (trailing slash: its URLs are relative)."""
    return url_path_join(TENSORBOARD_PREFIX, name) + "/"


def absolute(base_url: str, path: str) -> str:
    """`path` as a client must request it from a server mounted at `base_url` (e.g. /user/alice/)."""
    return url_path_join(base_url or "/", path)
