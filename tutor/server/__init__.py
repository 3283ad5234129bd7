"""Serving the dashboard so that outsiders cannot take the server down.

What is guarded, and where:

* ``frames``, ``connection``: kernel websockets speak only the v1 protocol, and each frame is
  checked against its own length before anything reads the offsets inside it (one 8-byte
  frame used to freeze jupyter_server 2.21 and Voila 0.5.13 for everyone).
* ``kernels``: at most ``max_kernels`` kernels, each with a memory limit; kernels whose
  page never connected shut down after ``unconnected_timeout`` seconds, and kernels with no
  open websocket any more after ``disconnected_timeout`` seconds (an open page keeps its
  kernel however long it idles).
* ``sockets``: at most ``max_websockets_per_kernel`` kernel websockets per kernel and
  ``max_websockets_per_address`` per client address; the rest are closed with code 1008.
* ``connection``: errors reach the page as one line, without the traceback's server paths.
* ``pages``: past the cap a visitor gets "the class is full, try again in a minute" (HTTP
  503); closing a tab shuts its kernel down (Voila's page can now pass the XSRF check).
* ``quiet_log``: a record repeated too often is folded into a count (an attack cannot fill
  the log).
* ``hosts``: the stand-alone server answers only to IP addresses and the names it serves
  (no DNS rebinding).
* ``guards``: ``install_guards(web_app)`` puts the websocket, page and log guards in place.

Two ways to run with the guards:

**Stand-alone Voila** (``make app``, the tests): ``python -m tutor.server app.ipynb
--port=8866 --no-browser`` takes the same arguments as ``voila`` and reads ``voila.json``.

**Voila as a Jupyter server extension** (JupyterHub single-user servers serving
``/voila/render/app.ipynb``): enable this package as an extension and use its kernel
manager, in ``jupyter_server_config.py``::

    c.ServerApp.jpserver_extensions = {"voila": True, "tutor.server": True}
    c.ServerApp.kernel_manager_class = "tutor.server.GuardedKernelManager"

(or on the command line: ``jupyter server --ServerApp.jpserver_extensions="{'tutor.server':
True}" --ServerApp.kernel_manager_class=tutor.server.GuardedKernelManager``). Its settings
are ``c.GuardedKernelManager.max_kernels``, ``.unconnected_timeout``,
``.disconnected_timeout``, ``.kernel_memory_limit_mb``, ``.max_websockets_per_kernel`` and
``.max_websockets_per_address``; the server's log says "tutor.server guards active" with the
values in force.
"""

__all__ = ["GuardedKernelManager"]


def __getattr__(name):
    """``tutor.server.GuardedKernelManager``, imported only when asked for: every kernel is
    started as ``python -m tutor.server.kernel_launcher``, which imports this package first,
    and a kernel has no use for jupyter_server."""
    if name == "GuardedKernelManager":
        from .kernels import GuardedKernelManager
        return GuardedKernelManager
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _jupyter_server_extension_points():
    """Where Jupyter finds this extension's loader (``jpserver_extensions`` key ``tutor.server``)."""
    return [{"module": "tutor.server"}]


def _load_jupyter_server_extension(server_app):
    """Install the guards in a Jupyter server's web application.

    Extensions load in alphabetical order, so Voila's routes (``voila`` > ``tutor.server``)
    do not exist yet: the guards go in once the server's loop runs, before any request.
    """
    from tornado.ioloop import IOLoop

    from .guards import install_guards

    IOLoop.current().add_callback(install_guards, server_app.web_app, server_app.log)


load_jupyter_server_extension = _load_jupyter_server_extension   # the pre-2.0 name
