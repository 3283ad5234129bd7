"""The v1 kernel-websocket frame reader refuses, quickly, every frame it cannot trust.

These run without a server: ``parse_v1_frame`` is the check ``GuardedKernelConnection``
puts in front of jupyter_server's own reader (``tests/test_server_security.py`` sends the
same frames to a running Voila).
"""

import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

from tutor.server.frames import MalformedFrame, parse_v1_frame


def kernel_message(msg_type="kernel_info_request", buffers=()):
    """A v1 frame as Voila's page builds one: channel, the four JSON parts, buffers."""
    header = {"msg_id": "1", "msg_type": msg_type, "session": "s", "username": "",
              "date": "", "version": "5.3"}
    parts = [json.dumps(part).encode() for part in (header, {}, {}, {})] + list(buffers)
    return serialize_msg_to_ws_v1(parts, "shell")


def test_a_well_formed_message_comes_back_whole():
    channel, parts = parse_v1_frame(kernel_message(buffers=[b"\x00\x01", b""]))
    assert channel == "shell"
    assert json.loads(parts[0])["msg_type"] == "kernel_info_request"
    assert parts[4:] == [b"\x00\x01", b""]


def test_the_frame_that_froze_jupyter_server_is_refused_at_once():
    start = time.perf_counter()
    with pytest.raises(MalformedFrame, match="claims 4611686018427387904 offsets"):
        parse_v1_frame((2**62).to_bytes(8, "little"))
    assert time.perf_counter() - start < 0.01


@pytest.mark.parametrize("frame, reason", [
    (b"", "8-byte count"),
    ((3).to_bytes(8, "little") + bytes(24), "needs at least 6"),
    ((6).to_bytes(8, "little") + bytes(48), "right after the offset table"),
    ("{\"channel\": \"shell\"}", "binary frames, not text"),
])
def test_short_or_textual_frames_say_what_is_wrong(frame, reason):
    with pytest.raises(MalformedFrame, match=reason):
        parse_v1_frame(frame)


def test_offsets_past_the_end_or_backwards_are_refused():
    good = bytearray(kernel_message())
    past_end = bytearray(good)
    past_end[8 * 6:8 * 7] = (len(good) + 1).to_bytes(8, "little")   # the last offset
    with pytest.raises(MalformedFrame, match="past the end"):
        parse_v1_frame(bytes(past_end))
    backwards = bytearray(good)
    backwards[8 * 3:8 * 4] = (0).to_bytes(8, "little")
    with pytest.raises(MalformedFrame, match="backwards"):
        parse_v1_frame(bytes(backwards))


def test_a_message_on_no_known_channel_or_without_a_header_is_refused():
    parts = [json.dumps(part).encode() for part in ({"msg_type": "x"}, {}, {}, {})]
    with pytest.raises(MalformedFrame, match="unknown channel"):
        parse_v1_frame(serialize_msg_to_ws_v1(parts, "evil"))
    with pytest.raises(MalformedFrame, match="header"):
        parse_v1_frame(serialize_msg_to_ws_v1([b"[1, 2]", b"{}", b"{}", b"{}"], "shell"))


def test_a_header_nested_a_hundred_thousand_deep_is_refused_not_raised():
    deep = b"[" * 100_000 + b"]" * 100_000
    frame = serialize_msg_to_ws_v1([deep, b"{}", b"{}", b"{}"], "shell")
    with pytest.raises(MalformedFrame, match="nested too deeply"):
        parse_v1_frame(frame)


@settings(max_examples=300, deadline=200)
@given(st.binary(max_size=200), st.integers(min_value=0, max_value=2**64 - 1))
def test_any_bytes_are_either_read_or_refused_never_looped_on(tail, count):
    """Whatever count a frame claims, reading it costs no more than its own length."""
    for frame in (tail, count.to_bytes(8, "little") + tail):
        try:
            channel, parts = parse_v1_frame(frame)
        except MalformedFrame:
            continue
        assert len(parts) >= 4 and sum(map(len, parts)) <= len(frame)
