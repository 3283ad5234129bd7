"""The link between a page's websocket and its kernel, refusing what the server cannot read.

jupyter_server hands every kernel websocket to a *connection* object, chosen by the setting
``kernel_websocket_connection_class`` (``Voila.`` in stand-alone Voila, ``ServerApp.`` in a
Jupyter server). ``GuardedKernelConnection`` is the stock ``ZMQChannelsWebsocketConnection``
with two checks in front of it:

* **Only the v1 protocol.** A client that does not offer ``v1.kernel.websocket.jupyter.org``
  gets HTTP 400 before the websocket opens. Voila's page and JupyterLab both speak v1; the
  older "legacy" protocol is where Voila 0.5.13 misreads the server's own replies (the first
  eight bytes of a legacy binary message taken as a count of offsets: a loop of ~5.8e17 steps).
* **Every frame is checked before it is parsed** by ``tutor.server.frames.parse_v1_frame``:
  a frame whose count of offsets could not fit in its length, or that is otherwise not a
  kernel message, closes the connection with code 1007 ("invalid frame payload data") and a
  reason, and a warning goes to the server's log. Nothing loops on a number from a frame.
"""

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from tornado import web

from .frames import V1_PROTOCOL, MalformedFrame, parse_v1_frame

INVALID_PAYLOAD = 1007   # websocket close code: the frame's content is not acceptable


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

    def handle_incoming_message(self, incoming_msg):
        """Pass a well-formed frame to the kernel; close the connection on any other."""
        try:
            parse_v1_frame(incoming_msg)
        except MalformedFrame as problem:
            self.log.warning("Closed the websocket of kernel %s: %s", self.kernel_id, problem)
            self.websocket_handler.close(INVALID_PAYLOAD, str(problem)[:120])
            return
        super().handle_incoming_message(incoming_msg)
