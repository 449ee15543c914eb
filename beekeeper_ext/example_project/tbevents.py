"""A tiny TensorBoard event-file writer: scalars only, no tensorflow/tensorboard needed.

An event file is a sequence of records `len (u64) | crc(len) | Event protobuf | crc(data)`
with masked CRC-32C checksums; each Event carries a wall time, a step and one scalar value.
"""

from __future__ import annotations

import os
import socket
import struct
import time


def _crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def _crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _masked(data: bytes) -> int:
    crc = _crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        bits = value & 0x7F
        value >>= 7
        if value:
            out.append(bits | 0x80)
        else:
            out.append(bits)
            return bytes(out)


def _field(number: int, wire_type: int) -> bytes:
    return _varint((number << 3) | wire_type)


def _bytes_field(number: int, payload: bytes) -> bytes:
    return _field(number, 2) + _varint(len(payload)) + payload


def _event(step: int, wall_time: float, *, version: str | None = None,
           tag: str | None = None, value: float | None = None) -> bytes:
    out = _field(1, 1) + struct.pack("<d", wall_time) + _field(2, 0) + _varint(step)
    if version is not None:
        out += _bytes_field(3, version.encode())
    if tag is not None:
        summary_value = _bytes_field(1, tag.encode()) + _field(2, 5) + struct.pack("<f", value)
        out += _bytes_field(5, _bytes_field(1, summary_value))
    return out


class SummaryWriter:
    """`SummaryWriter(logdir).add_scalar(tag, value, step)`, like tensorboardX's, for scalars."""

    def __init__(self, logdir: str):
        os.makedirs(logdir, exist_ok=True)
        name = f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}.{os.getpid()}"
        self._file = open(os.path.join(logdir, name), "ab")
        self._write(_event(0, time.time(), version="brain.Event:2"))

    def _write(self, data: bytes) -> None:
        header = struct.pack("<Q", len(data))
        self._file.write(header + struct.pack("<I", _masked(header)) + data + struct.pack("<I", _masked(data)))
        self._file.flush()

    def add_scalar(self, tag: str, value: float, step: int) -> None:
        self._write(_event(step, time.time(), tag=tag, value=float(value)))

    def close(self) -> None:
        self._file.close()
