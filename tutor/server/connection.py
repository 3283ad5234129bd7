"""The link between a page's websocket and its kernel: what the server cannot read is refused,
what the page must not read (a traceback's paths) is not sent.

jupyter_server hands every kernel websocket to a *connection* object, chosen by the setting
``kernel_websocket_connection_class`` (``Voila.`` in stand-alone Voila, ``ServerApp.`` in a
Jupyter server). ``GuardedKernelConnection`` is the stock ``ZMQChannelsWebsocketConnection``
with three guards on it:

* **Only the v1 protocol.** A client that does not offer ``v1.kernel.websocket.jupyter.org``
  gets HTTP 400 before the websocket opens. Voila's page and JupyterLab both speak v1; the
  older "legacy" protocol is where Voila 0.5.13 misreads the server's own replies (the first
  eight bytes of a legacy binary message taken as a count of offsets: a loop of ~5.8e17 steps).
* **Every frame is checked before it is parsed** by ``tutor.server.frames.parse_v1_frame``:
  a frame whose count of offsets could not fit in its length, or that is otherwise not a
  kernel message, closes the connection with code 1007 ("invalid frame payload data") and a
  reason, and a warning goes to the server's log. Nothing loops on a number from a frame.
* **No traceback leaves the server.** A widget message the kernel cannot use (a state of
  the wrong type, sent by hand) made the kernel publish an ``error`` with the traceback's
  frames, and with them the server's paths (where Python, the packages and the course are
  installed). Every error the kernel sends, on any channel, reaches the page as one line,
  ``TraitError: <what was wrong>``, with any path in it replaced by ``…``; the full
  traceback stays in the server's own log.
"""

import re

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from tornado import web

from .frames import V1_PROTOCOL, MalformedFrame, parse_v1_frame, read_header

INVALID_PAYLOAD = 1007   # websocket close code: the frame's content is not acceptable
# An absolute path of more than one part, Unix or Windows: /srv/app/x.py, C:\venv\lib\y.py
SERVER_PATH = re.compile(r"(?:[A-Za-z]:)?[/\\](?:[^\s'\"/\\:]+[/\\])+[^\s'\"/\\:,)]*")


def without_paths(text):
    """``text`` with every absolute path in it replaced by ``…``."""
    return SERVER_PATH.sub("…", str(text))


def plain_error(content):
    """An error's content (``ename``, ``evalue``, ``traceback``) told in one line, no paths."""
    name = without_paths(content.get("ename", "Error"))[:80]
    value = without_paths(content.get("evalue", ""))[:500]
    return {**content, "ename": name, "evalue": value,
            "traceback": [f"{name}: {value}" if value else name]}


def offered_protocols(request):
    """The websocket subprotocols a client's upgrade request offers, as a list of names."""
    offered = request.headers.get("Sec-WebSocket-Protocol", "")
    return [name.strip() for name in offered.split(",") if name.strip()]


class GuardedKernelConnection(ZMQChannelsWebsocketConnection):
    """A kernel websocket connection that speaks only v1 and checks each frame first."""

    async def prepare(self):
        """Refuse the connection, before it is upgraded, unless the client speaks v1."""
        if V1_PROTOCOL not in offered_protocols(self.websocket_handler.request):
            self.log.warning("Refused a kernel websocket for %s without the %s subprotocol",
                             self.kernel_id, V1_PROTOCOL)
            raise web.HTTPError(400, f"kernel websockets must use the {V1_PROTOCOL} subprotocol")
        self.kernel_ws_protocol = V1_PROTOCOL   # what the upgrade will select, whatever the config
        await super().prepare()

    def _on_error(self, channel, msg, msg_list):
        """Replace the traceback of any error on its way to the page (see :func:`plain_error`).

        An ``error`` message (iopub) or a reply whose status is ``error`` (``execute_reply``
        and the like) carries the traceback; its content part is rewritten in ``msg_list``.
        """
        header = msg.get("header") or read_header(msg_list[0])
        kind = header.get("msg_type", "")
        if kind != "error" and not kind.endswith("_reply"):
            return
        content = msg.get("content") or self.session.unpack(msg_list[3])
        if kind != "error" and content.get("status") != "error":
            return
        content = plain_error(content)
        msg["content"] = content
        msg_list[3] = self.session.pack(content)

    def handle_incoming_message(self, incoming_msg):
        """Pass a well-formed frame to the kernel; close the connection on any other."""
        try:
            parse_v1_frame(incoming_msg)
        except MalformedFrame as problem:
            self.log.warning("Closed the websocket of kernel %s: %s", self.kernel_id, problem)
            self.websocket_handler.close(INVALID_PAYLOAD, str(problem)[:120])
            return
        super().handle_incoming_message(incoming_msg)
