"""``python -m tutor.server``: Voila with the guards, taking the same arguments as ``voila``.

It is the ``voila`` command (same options, same ``voila.json``), with three differences: the
kernel manager is always ``GuardedKernelManager`` (a cap, a memory limit per kernel, a
culler for kernels without a page), the guards of ``tutor.server.guards`` are put into the
web application before it starts listening, and it answers only to the host names it is
meant to be reached by (``tutor.server.hosts``; more with ``--GuardedVoila.allowed_hosts``).
"""

from traitlets import List, Unicode
from voila.app import Voila

from .guards import install_guards
from .hosts import allowed_names, refuse_foreign_hosts
from .kernels import GuardedKernelManager


class GuardedVoila(Voila):
    """Voila whose kernels, websockets and pages are guarded (see ``tutor.server``)."""

    allowed_hosts = List(Unicode(), config=True, help=(
        "Host names, besides IP addresses, localhost and this machine's own names, that "
        "the server answers to (a DNS name of its own); any other Host gets HTTP 403."))

    def initialize(self, argv=None):
        super().initialize(argv)
        chosen = self.voila_configuration.multi_kernel_manager_class
        if not (isinstance(chosen, type) and issubclass(chosen, GuardedKernelManager)):
            self.voila_configuration.multi_kernel_manager_class = GuardedKernelManager

    def listen(self):
        install_guards(self.app, self.log)
        refuse_foreign_hosts(self.app, allowed_names(self.ip, self.allowed_hosts), self.log)
        super().listen()


main = GuardedVoila.launch_instance

if __name__ == "__main__":
    main()
