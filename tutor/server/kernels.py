"""Kernels an outsider cannot multiply or hold: a cap per server, a memory limit each, cullers.

Every visit to the dashboard costs a kernel (a Python process of about 120 MB), so a script
that fetches the page in a loop could otherwise fill the machine. ``GuardedKernelManager``
is jupyter_server's ``AsyncMappingKernelManager`` with these additions, all settings:

``max_kernels``
    the most kernels alive at once, Voila's preheated ones included. Past it, a new page is
    refused (``tutor.server.pages`` shows "the class is full") and ``start_kernel`` raises
    HTTP 503. Voila refilling its pool of preheated kernels is never refused, so the pool
    cannot be left broken; it is counted, which is why a full class refuses new pages.
``unconnected_timeout``
    seconds a kernel may wait for its page to connect. Fetching the page starts (or takes) a
    kernel, but only a browser that runs the page opens the kernel's websocket; a kernel
    whose websocket never opened within this time after it went idle (Voila has run the
    notebook for the page), and that is not waiting in Voila's pool, is shut down. ``0``
    turns this off.
``disconnected_timeout``
    seconds a kernel may live with no open websocket after its page had one. A page that is
    open keeps its websocket (and its seat) however long the learner reads; a page that
    was closed, or a script that touched the websocket once and let go, leaves a kernel
    nobody can reach, which is shut down after this time. (Without it, a script could
    take every seat for the 15 minutes of the idle culler: fetch the page, open its
    websocket for a moment, repeat.) ``0`` turns this off.
``max_websockets_per_kernel``, ``max_websockets_per_address``
    the most kernel websockets open at once to one kernel, and from one client address
    (``0``: no cap); see ``tutor.server.sockets``.
``kernel_memory_limit_mb``
    the address space each kernel may use (``RLIMIT_AS``, Linux); see ``kernel_launcher``.
    ``0`` turns it off.

Use it as ``VoilaConfiguration.multi_kernel_manager_class`` (stand-alone Voila, as in
``voila.json``) or as ``ServerApp.kernel_manager_class`` (Voila as a server extension).
"""

import sys
import time
from collections import Counter

from jupyter_server.services.kernels.kernelmanager import (
    AsyncMappingKernelManager, ServerKernelManager)
from tornado import web
from tornado.ioloop import PeriodicCallback
from traitlets import Float, Integer, default

from .sockets import WebsocketCounts

CLASS_FULL = "The class is full: every seat on this server is taken. Try again in a minute."


class ClassFull(web.HTTPError):
    """Raised instead of starting a kernel past ``max_kernels`` (HTTP 503)."""

    def __init__(self):
        super().__init__(503, CLASS_FULL, reason="The class is full")


def is_preheat_start(kwargs):
    """True when Voila starts a kernel to refill its pool (it marks those in the env)."""
    return (kwargs.get("env") or {}).get("VOILA_PREHEAT") == "True"


class MemoryLimitedKernelManager(ServerKernelManager):
    """One kernel, launched through ``tutor.server.kernel_launcher`` with a memory limit.

    The limit comes from the parent ``GuardedKernelManager.kernel_memory_limit_mb``. Only
    IPython kernels started as ``python -m ipykernel_launcher`` are wrapped; any other
    kernel command is left alone.
    """

    def format_kernel_cmd(self, extra_arguments=None):
        command = super().format_kernel_cmd(extra_arguments)
        limit = getattr(self.parent, "kernel_memory_limit_mb", 0)
        if limit <= 0 or not sys.platform.startswith("linux"):
            return command
        for at in range(len(command) - 1):
            if command[at:at + 2] == ["-m", "ipykernel_launcher"]:
                return [*command[:at], "-m", "tutor.server.kernel_launcher",
                        f"--memory-limit-mb={limit}", *command[at + 2:]]
        self.log.warning("No memory limit for kernel command %s: it does not run "
                         "ipykernel_launcher", command[:3])
        return command


class GuardedKernelManager(AsyncMappingKernelManager):
    """A kernel manager with a cap, a memory limit per kernel and an unconnected-kernel culler."""

    max_kernels = Integer(12, config=True, help="Most kernels alive at once (0: no cap).")
    unconnected_timeout = Float(60.0, config=True, help=(
        "Seconds a kernel may wait for its page's websocket before it is shut down (0: never)."))
    disconnected_timeout = Float(120.0, config=True, help=(
        "Seconds a kernel may live with no open websocket after it had one (0: for ever)."))
    kernel_memory_limit_mb = Integer(2048, config=True, help=(
        "Address space per kernel in MiB (RLIMIT_AS on Linux; 0: no limit)."))
    max_websockets_per_kernel = Integer(4, config=True, help=(
        "Most kernel websockets open at once to one kernel (0: no cap)."))
    max_websockets_per_address = Integer(32, config=True, help=(
        "Most kernel websockets open at once from one client address (0: no cap)."))

    @default("kernel_manager_class")
    def _default_kernel_manager_class(self):
        return "tutor.server.kernels.MemoryLimitedKernelManager"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._starting = 0            # kernels being started for a page or the REST API
        self._pool_tasks_seen = set() # Voila's pool tasks not finished yet (see kernel_count)
        self._connected_once = set()  # kernel ids whose websocket opened at least once
        self._open_websockets = Counter()   # kernel id -> websockets open now
        self._unclaimed_since = {}    # kernel id -> since when it is out of the pool, unconnected
        self._unconnected_culler = None
        self.websocket_counts = WebsocketCounts()   # the caps' seats (tutor.server.sockets)

    # --- the cap -------------------------------------------------------------------------

    def _pool_tasks(self):
        """Voila's preheated-kernel tasks (only stand-alone Voila with preheating has them)."""
        return [task for pool in getattr(self, "_pools", {}).values() for task in pool]

    def _ready_pool_kernels(self):
        """Ids of kernels sitting ready in Voila's pool, waiting for a page."""
        ready = set()
        for task in self._pool_tasks():
            if task.done() and not task.cancelled() and task.exception() is None:
                ready.add(task.result().get("kernel_id"))
        return ready

    def kernel_count(self):
        """Kernels alive, plus those on their way (being started, or queued in Voila's pool).

        A page that takes a pool kernel still starting takes its task out of the pool and
        waits for it, so pool tasks are remembered here until they finish: a finished one
        has its kernel in ``list_kernel_ids``, an unfinished one is a kernel on its way,
        whether or not it is still in the pool. (Every page checks ``is_full``, and so
        this, before it takes a task, so no task leaves the pool unseen.)
        """
        self._pool_tasks_seen.update(self._pool_tasks())
        self._pool_tasks_seen = {task for task in self._pool_tasks_seen if not task.done()}
        return len(self.list_kernel_ids()) + self._starting + len(self._pool_tasks_seen)

    def is_full(self):
        """True when one more kernel would pass ``max_kernels``."""
        return self.max_kernels > 0 and self.kernel_count() >= self.max_kernels

    async def start_kernel(self, **kwargs):
        preheat = is_preheat_start(kwargs)
        if not preheat and self.is_full():
            self.log.warning("Refused a kernel: %d of %d in use", self.kernel_count(), self.max_kernels)
            raise ClassFull()
        self._start_unconnected_culler()
        if preheat:   # already counted as a pool task that is not done
            return await super().start_kernel(**kwargs)
        self._starting += 1
        try:
            return await super().start_kernel(**kwargs)
        finally:
            self._starting -= 1

    # --- the culler for kernels without a page ----------------------------------------------

    def notify_connect(self, kernel_id):
        self._connected_once.add(kernel_id)
        self._open_websockets[kernel_id] += 1
        super().notify_connect(kernel_id)

    def notify_disconnect(self, kernel_id):
        if self._open_websockets[kernel_id] > 0:
            self._open_websockets[kernel_id] -= 1
        super().notify_disconnect(kernel_id)

    def _start_unconnected_culler(self):
        timeouts = [t for t in (self.unconnected_timeout, self.disconnected_timeout) if t > 0]
        if self._unconnected_culler is not None or not timeouts:
            return
        every = min(max(min(timeouts) / 6, 0.5), 10.0)
        self._unconnected_culler = PeriodicCallback(self.cull_unconnected, every * 1000)
        self._unconnected_culler.start()
        self.log.info("Kernels whose page does not connect within %.0f s, or whose page has "
                      "gone for %.0f s, will be shut down", self.unconnected_timeout,
                      self.disconnected_timeout)

    def _still_rendering(self, kernel_id):
        """True while the kernel is busy, as it is while Voila runs the notebook for a page:
        a slow machine must not lose a page that is still being built."""
        try:
            return getattr(self.get_kernel(kernel_id), "execution_state", None) == "busy"
        except KeyError:
            return False

    async def cull_unconnected(self):
        """Shut down every kernel out of the pool that has had no open websocket for its
        timeout: ``unconnected_timeout`` if its page never connected, else
        ``disconnected_timeout``. The clock starts once the kernel is idle and unconnected."""
        now = time.monotonic()
        alive = set(self.list_kernel_ids())
        waiting = self._ready_pool_kernels()
        for kernel_id in set(self._unclaimed_since) - alive:
            del self._unclaimed_since[kernel_id]
        self._connected_once &= alive
        for kernel_id in set(self._open_websockets) - alive:
            del self._open_websockets[kernel_id]
        for kernel_id in alive - waiting:
            if self._open_websockets[kernel_id] > 0:    # a page is open: a learner is reading
                self._unclaimed_since.pop(kernel_id, None)
                continue
            if self._still_rendering(kernel_id):        # the clock starts once it is idle
                self._unclaimed_since[kernel_id] = now
                continue
            had_page = kernel_id in self._connected_once
            timeout = self.disconnected_timeout if had_page else self.unconnected_timeout
            if timeout <= 0:
                continue
            since = self._unclaimed_since.setdefault(kernel_id, now)
            if now - since >= timeout:
                why = "no page has been connected" if had_page else "its page never connected"
                self.log.warning("Shutting down kernel %s: %s in %.0f s", kernel_id, why, timeout)
                del self._unclaimed_since[kernel_id]
                try:
                    await self.shutdown_kernel(kernel_id)
                except Exception as error:   # already gone, or dying: the next pass looks again
                    self.log.warning("Could not shut down kernel %s: %s", kernel_id, error)
        for kernel_id in waiting:
            self._unclaimed_since.pop(kernel_id, None)

    async def shutdown_all(self, *args, **kwargs):
        """Shut every kernel down, even one the culler was already shutting down."""
        if self._unconnected_culler is not None:
            self._unconnected_culler.stop()
        for _ in range(3):
            try:
                return await super().shutdown_all(*args, **kwargs)
            except web.HTTPError as gone:   # 404: it went away between listing and shutting
                if gone.status_code != 404:
                    raise
