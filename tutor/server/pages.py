"""The dashboard page itself: a clear refusal when the class is full, and a tab that can
shut its own kernel down.

``GuardedVoilaHandler`` replaces Voila's ``TornadoVoilaHandler`` (``tutor.server.guards``
makes the swap) and adds two things before Voila renders anything:

* When the kernel manager says it is full (``GuardedKernelManager.is_full``), the visitor
  gets a short page with HTTP status 503 and ``Retry-After: 60``: "the class is full, try
  again in a minute". Nothing is started and nothing waits. The page reloads itself a
  minute later, so a learner who keeps the tab open gets in once a seat frees up.
* It sets the ``_xsrf`` cookie. When a tab closes, Voila's page sends
  ``POST /voila/api/shutdown/<kernel id>`` with the value of that cookie; Voila 0.5.13 never
  sets the cookie, so every such request was refused (403, "'_xsrf' argument missing") and
  the kernel lived on until the idle culler found it.
"""

from html import escape

import tornado.web
from voila.tornado.handler import TornadoVoilaHandler

from .kernels import CLASS_FULL, ClassFull

RETRY_AFTER = 60  # seconds

FULL_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="{retry}">
<title>The class is full</title>
<style>
  body {{ font-family: sans-serif; max-width: 36em; margin: 4em auto; color: #1a1a1a; }}
</style>
</head>
<body>
<main>
<h1 class="tutor-class-full">The class is full</h1>
<p>{message}</p>
<p>This page tries again by itself in a minute.</p>
</main>
</body>
</html>
"""


class GuardedVoilaHandler(TornadoVoilaHandler):
    """Voila's page handler, refusing new visitors while the server has no kernel to spare."""

    def write_class_full(self):
        """Answer with the "class is full" page: status 503, and when to come back."""
        self.clear()
        self.set_status(503, reason="The class is full")
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Retry-After", str(RETRY_AFTER))
        self.set_header("Cache-Control", "no-store")
        self.finish(FULL_PAGE.format(retry=RETRY_AFTER, message=escape(CLASS_FULL)))

    @tornado.web.authenticated
    async def get(self, path=None):
        is_full = getattr(self.kernel_manager, "is_full", None)
        if is_full is not None and is_full():
            self.log.warning("Class full: refused a page for %s", self.request.remote_ip)
            self.write_class_full()
            return
        self.xsrf_token   # reading it sets the _xsrf cookie the tab-close request sends back
        try:
            await super().get(path=path)
        except ClassFull:
            if self._headers_written:   # too late for a status: the page has begun
                raise
            self.write_class_full()
