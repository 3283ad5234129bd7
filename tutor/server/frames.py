"""Reading a kernel websocket frame without trusting the numbers inside it.

Jupyter's ``v1.kernel.websocket.jupyter.org`` protocol packs one kernel message into one
binary websocket frame::

    8 bytes      n, the number of offsets (little-endian unsigned)
    8 * n bytes  the offsets, each the start of one part, counted from the frame's first byte
    ...          the channel name ("shell", "iopub", ...), then the message's parts:
                 header, parent header, metadata, content, and any binary buffers

Offset ``i`` is where part ``i`` starts and offset ``i + 1`` where it ends, so ``n`` offsets
describe ``n - 1`` pieces: the channel and ``n - 2`` message parts.

The readers shipped with jupyter_server 2.21 and Voila 0.5.13 take ``n`` at its word and
build a list of ``n`` offsets before looking at anything else. A frame of eight bytes saying
``n = 2**62`` therefore makes the server loop (and allocate) for years. Here ``n`` is checked
against the frame's length first: a frame that really held ``n`` offsets would be at least
``8 * (n + 1)`` bytes long. Only then are the offsets read, and they must start right after
the offset table, never go backwards and never point past the end.
"""

import json

V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"
CHANNELS = frozenset({"shell", "control", "stdin", "iopub"})
MESSAGE_PARTS = 4  # header, parent header, metadata, content; buffers may follow


class MalformedFrame(ValueError):
    """A websocket frame that is not a well-formed v1 kernel message; the text says why."""


def _offsets(frame):
    """The frame's offset table, read only after its length was checked against the frame."""
    if len(frame) < 8:
        raise MalformedFrame(f"a v1 frame starts with an 8-byte count; this one has {len(frame)} bytes")
    count = int.from_bytes(frame[:8], "little")
    room = len(frame) // 8 - 1   # the most offsets a frame of this length can hold
    if count > room:
        raise MalformedFrame(f"the frame claims {count} offsets but its {len(frame)} bytes "
                             f"hold at most {room}")
    if count < 2 + MESSAGE_PARTS:
        raise MalformedFrame(f"the frame has {count} offsets; a kernel message needs at least "
                             f"{2 + MESSAGE_PARTS} (channel, header, parent header, metadata, "
                             "content)")
    offsets = [int.from_bytes(frame[8 * (i + 1):8 * (i + 2)], "little") for i in range(count)]
    if offsets[0] != 8 * (count + 1):
        raise MalformedFrame("the first part does not start right after the offset table")
    if any(later < earlier for earlier, later in zip(offsets, offsets[1:])):
        raise MalformedFrame("the offsets go backwards")
    if offsets[-1] > len(frame):
        raise MalformedFrame("an offset points past the end of the frame")
    return offsets


def parse_v1_frame(frame):
    """Split a v1 frame into ``(channel, parts)``, or raise ``MalformedFrame``.

    ``parts`` are the raw bytes of the header, parent header, metadata, content and buffers.
    The header must be a JSON object naming a ``msg_type``, since the server reads it to
    decide whether the message is allowed at all.
    """
    if not isinstance(frame, bytes):
        raise MalformedFrame("a v1 kernel connection takes binary frames, not text")
    offsets = _offsets(frame)
    pieces = [frame[start:end] for start, end in zip(offsets, offsets[1:])]
    try:
        channel = pieces[0].decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedFrame("the channel name is not UTF-8") from None
    if channel not in CHANNELS:
        raise MalformedFrame(f"unknown channel {channel[:40]!r}")
    parts = pieces[1:]
    read_header(parts[0])
    return channel, parts


def read_header(raw):
    """The header part of a message as a dict with a ``msg_type``, or raise ``MalformedFrame``."""
    try:
        header = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise MalformedFrame("the header is not JSON") from None
    except RecursionError:          # [[[[...]]]] 100,000 deep: no header is nested like that
        raise MalformedFrame("the header is nested too deeply") from None
    if not isinstance(header, dict) or not isinstance(header.get("msg_type"), str):
        raise MalformedFrame("the header is not an object with a msg_type")
    return header

