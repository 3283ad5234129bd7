"""Answering only to the names the server is meant to be reached by (DNS rebinding).

A web page on ``evil.example`` may not read answers from ``127.0.0.1:8866``: the browser's
same-origin rule forbids it. But if ``evil.example``'s DNS record is switched to
``127.0.0.1`` after the page loaded, the browser takes the dashboard for the same origin as
the page, and the page may then fetch the dashboard and open kernel websockets in the
learner's browser. Such requests still carry ``Host: evil.example``. Voila accepts any
``Host`` (it sets ``allow_remote_access``), so a websocket with ``Host`` and ``Origin``
both ``evil.example`` was upgraded (HTTP 101).

So the stand-alone server answers a request only when its ``Host`` is

* an IP address (``127.0.0.1``, ``[::1]``, ``192.168.1.20``): DNS rebinding needs a name;
* ``localhost`` or a name under ``.localhost``;
* this machine's own name (``socket.gethostname()``, ``socket.getfqdn()``), or the name
  the server was told to listen on (``--Voila.ip``);
* a name in ``GuardedVoila.allowed_hosts`` (``--GuardedVoila.allowed_hosts=tutor.school.org``),
  for a server reached through a DNS name of its own.

Any other ``Host`` gets HTTP 403 and a sentence saying how to allow it, before any handler
runs: pages, websockets and the REST API alike. (A Jupyter server, where the guards run as
an extension, has this check of its own: ``ServerApp.allow_remote_access`` and
``ServerApp.local_hostnames``.)
"""

import ipaddress
import socket

from tornado import web
from tornado.routing import Matcher, Rule


def allowed_names(listen_ip="", extra=()):
    """The host names (lower case) this server answers to, besides IP addresses."""
    names = {"localhost", socket.gethostname(), socket.getfqdn(), *extra}
    if listen_ip and not is_ip_address(listen_ip):
        names.add(listen_ip)
    return {name.lower().rstrip(".") for name in names if name}


def is_ip_address(host):
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def host_allowed(host_name, names):
    """True if a request whose ``Host`` is ``host_name`` (no port) may be answered."""
    host = host_name.lower().rstrip(".")
    return is_ip_address(host) or host in names or host.endswith(".localhost")


class ForeignHost(Matcher):
    """Matches the requests whose ``Host`` this server does not answer to."""

    def __init__(self, names):
        self.names = names

    def match(self, request):
        return None if host_allowed(request.host_name, self.names) else {}


class RefusedHost(web.RequestHandler):
    """HTTP 403, in plain text, for every method and path."""

    def prepare(self):
        self.set_status(403)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish("This server does not answer to that host name. If it should, start it "
                    "with --GuardedVoila.allowed_hosts=<the name>.\n")


def refuse_foreign_hosts(web_app, names, log):
    """Put the check in front of every route of ``web_app``."""
    web_app.default_router.rules.insert(0, Rule(ForeignHost(names), RefusedHost))
    log.info("tutor.server answers to IP addresses and to: %s", ", ".join(sorted(names)))
