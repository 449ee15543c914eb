"""Beekeeper: a training control room inside JupyterLab (server extension + lab extension)."""

from __future__ import annotations

try:
    from ._version import __version__
except ImportError:  # running from a source tree that was never built
    __version__ = "0.0.0.dev0"


def _jupyter_server_extension_points():
    from .app import BeekeeperApp

    return [{"module": "beekeeper_ext", "app": BeekeeperApp}]


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "beekeeper-ext"}]
