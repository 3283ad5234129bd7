"""Putting the guards into a running Tornado application, Voila's own or a Jupyter server's.

``install_guards(web_app)`` is called once, after the application's routes exist, by both
ways of serving the dashboard (``python -m tutor.server`` and the ``tutor.server`` Jupyter
server extension). It

* makes every kernel websocket use ``GuardedKernelConnection`` (v1 only, frames checked);
* caps one incoming websocket message at ``websocket_max_message_size`` bytes unless the
  configuration already chose a size (Tornado closes the connection with code 1009 past
  it; the dashboard's own messages are a few kilobytes, and its default of 10 MiB let a page
  send 40 text boxes of 9 MB each);
* swaps Voila's page handler for ``GuardedVoilaHandler`` in every route that uses it, and
  the kernel websocket handlers for ones that hold a seat under the caps per kernel and per
  address (``tutor.server.sockets``) and refuse in plain text;
* folds repeated records in the server's log into counts (``tutor.server.quiet_log``).

The kernel manager (cap, culler, memory limit) is not swapped here: it exists before any
route, so it is chosen in the configuration (``voila.json``, or ``ServerApp.kernel_manager_class``).
"""

from jupyter_server.services.kernels.websocket import KernelWebsocketHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from .connection import GuardedKernelConnection
from .pages import GuardedVoilaHandler
from .quiet_log import fold_repeats
from .sockets import CappedWebsocket

MAX_MESSAGE_BYTES = 1024 * 1024


class PlainErrors:
    """Refusals as one line of plain text. The kernel websocket handlers otherwise render
    Jupyter's HTML error page, which stand-alone Voila cannot (no ``static_path``): a
    refused connection then logged three tracebacks instead of one warning."""

    def write_error(self, status_code, **kwargs):
        error = kwargs.get("exc_info", (None, None, None))[1]
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.write(getattr(error, "log_message", None) or self._reason)


class GuardedVoilaKernelWebsocketHandler(CappedWebsocket, PlainErrors,
                                         VoilaKernelWebsocketHandler):
    """Stand-alone Voila's kernel websocket: capped, with plain-text refusals."""


class GuardedKernelWebsocketHandler(CappedWebsocket, PlainErrors, KernelWebsocketHandler):
    """A Jupyter server's kernel websocket: capped, with plain-text refusals."""


HANDLERS = {
    TornadoVoilaHandler: GuardedVoilaHandler,
    VoilaKernelWebsocketHandler: GuardedVoilaKernelWebsocketHandler,
    KernelWebsocketHandler: GuardedKernelWebsocketHandler,
}


def routes(web_app):
    """Every route (Tornado ``Rule``) of ``web_app`` that points at a handler class.

    Tornado keeps routes in nested routers, one per host pattern; this walks them all.
    """
    pending, seen = [web_app.default_router, web_app.wildcard_router], set()
    while pending:
        router = pending.pop()
        if id(router) in seen:
            continue
        seen.add(id(router))
        for rule in getattr(router, "rules", ()):
            if hasattr(rule.target, "rules"):
                pending.append(rule.target)
            elif isinstance(rule.target, type):
                yield rule


def replace_handlers(web_app, replacements):
    """Point every route whose handler is a key of ``replacements`` at its value."""
    for rule in routes(web_app):
        rule.target = replacements.get(rule.target, rule.target)


def install_guards(web_app, log):
    """Install the websocket and page guards in ``web_app``; log what is now in force."""
    settings = web_app.settings
    fold_repeats(log)
    settings["kernel_websocket_connection_class"] = GuardedKernelConnection
    settings.setdefault("websocket_max_message_size", MAX_MESSAGE_BYTES)
    replace_handlers(web_app, HANDLERS)
    pages = sum(rule.target is GuardedVoilaHandler for rule in routes(web_app))
    manager = settings.get("kernel_manager")
    cap = getattr(manager, "max_kernels", None)
    log.info("tutor.server guards active: kernel websockets v1 only with checked frames, "
             "messages up to %d bytes, %d page route(s) guarded, kernel cap %s, "
             "unconnected kernels culled after %s s and disconnected ones after %s s, "
             "kernel memory limit %s MiB, websockets at most %s per kernel and %s per address",
             settings["websocket_max_message_size"], pages,
             cap if cap is not None else "none", getattr(manager, "unconnected_timeout", "never"),
             getattr(manager, "disconnected_timeout", "never"),
             getattr(manager, "kernel_memory_limit_mb", "none"),
             getattr(manager, "max_websockets_per_kernel", "any"),
             getattr(manager, "max_websockets_per_address", "any"))
    if cap is None:
        log.warning("tutor.server: the kernel manager is %s, so there is no kernel cap, culler "
                    "or memory limit; set ServerApp.kernel_manager_class = "
                    "'tutor.server.GuardedKernelManager'", type(manager).__name__)
    return pages
