"""Beekeeper itself: the interpreters it can build venvs with, its version and home."""

from __future__ import annotations

from .base import View


class Python(View):
    version: str
    path: str
    implementation: str
    source: str


class PythonList(View):
    pythons: list[Python]


class Info(View):
    version: str
    home: str
