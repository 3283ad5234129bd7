"""How many kernel websockets one kernel, and one client address, may hold open.

Each open kernel websocket costs the server about nine file descriptors (the socket and the
kernel's ZeroMQ channels behind it). Nothing limited them: one page opening ~120 websockets
to its own kernel, each with a new ``session_id``, used up the 1,024 descriptors a server
commonly may have, and then nobody's request was answered. A dashboard page needs one
websocket (two, for a moment, when it reconnects), so:

* at most ``max_websockets_per_kernel`` open websockets per kernel, and
* at most ``max_websockets_per_address`` per client address (the server's whole class
  behind one school router shares an address, so this one is generous),

both settings of ``GuardedKernelManager``. A websocket past either cap is accepted and at
once closed with code **1008** ("policy violation") and a reason saying which cap and what to
do; nothing of the kernel is touched for it (no ZeroMQ channel, no ``kernel_info`` request),
so a refusal costs one descriptor for a moment. A seat is taken before the kernel is
connected and given back when the websocket closes or its handshake fails, so a burst of
handshakes cannot pass the cap together.
"""

from collections import Counter

from .frames import V1_PROTOCOL

POLICY_VIOLATION = 1008      # websocket close code: the server's rules refuse this connection


class WebsocketCounts:
    """Open kernel websockets, counted per kernel id and per client address."""

    def __init__(self):
        self.by_kernel = Counter()
        self.by_address = Counter()

    def take(self, kernel_id, address, per_kernel, per_address):
        """Count one more websocket; or, past a cap (0: no cap), return why it is refused."""
        if per_kernel and self.by_kernel[kernel_id] >= per_kernel:
            return (f"this kernel already has {self.by_kernel[kernel_id]} open connections, "
                    f"the most one page needs: close another tab of this page")
        if per_address and self.by_address[address] >= per_address:
            return (f"your address already has {self.by_address[address]} open connections "
                    f"to this server, the most one address may have")
        self.by_kernel[kernel_id] += 1
        self.by_address[address] += 1
        return None

    def give_back(self, kernel_id, address):
        for counter, key in ((self.by_kernel, kernel_id), (self.by_address, address)):
            counter[key] -= 1
            if counter[key] <= 0:
                del counter[key]


class CappedWebsocket:
    """A kernel websocket handler (mixed in before jupyter_server's) that takes a seat from
    its kernel manager's ``websocket_counts`` before it connects to the kernel."""

    refusal = None        # why this websocket is refused, or None
    _seat = None          # (counts, kernel id, address) while it holds a seat

    async def get(self, kernel_id):
        try:
            await super().get(kernel_id=kernel_id)   # returns once the websocket has closed
        finally:
            self._give_back()

    async def pre_get(self):
        manager = self.kernel_manager
        counts = getattr(manager, "websocket_counts", None)
        if counts is not None:
            address = self.request.remote_ip
            self.refusal = counts.take(self.kernel_id, address,
                                       manager.max_websockets_per_kernel,
                                       manager.max_websockets_per_address)
            if self.refusal is not None:
                self.log.warning("Refused a kernel websocket for %s from %s: %s",
                                 self.kernel_id, address, self.refusal)
                return                              # nothing of the kernel is touched
            self._seat = (counts, self.kernel_id, address)
        await super().pre_get()

    def select_subprotocol(self, subprotocols):
        if self.refusal is not None:
            return V1_PROTOCOL if V1_PROTOCOL in subprotocols else None
        return super().select_subprotocol(subprotocols)

    async def open(self, kernel_id):
        if self.refusal is not None:
            self.close(POLICY_VIOLATION, self.refusal[:120])
            return
        await super().open(kernel_id)

    def on_message(self, message):
        if self.refusal is None:
            super().on_message(message)

    def on_close(self):
        self._give_back()
        if self.refusal is None:
            super().on_close()

    def _give_back(self):
        if self._seat is not None:
            counts, kernel_id, address = self._seat
            self._seat = None
            counts.give_back(kernel_id, address)
