"""``python -m tutor.server``: Voila with the guards, taking the same arguments as ``voila``.

It is the ``voila`` command (same options, same ``voila.json``), with two differences: the
kernel manager is always ``GuardedKernelManager`` (a cap, a memory limit per kernel, a
culler for pages that never connect), and the guards of ``tutor.server.guards`` are put
into the web application before it starts listening.
"""

from voila.app import Voila

from .guards import install_guards
from .kernels import GuardedKernelManager


class GuardedVoila(Voila):
    """Voila whose kernels, websockets and pages are guarded (see ``tutor.server``)."""

    def initialize(self, argv=None):
        super().initialize(argv)
        chosen = self.voila_configuration.multi_kernel_manager_class
        if not (isinstance(chosen, type) and issubclass(chosen, GuardedKernelManager)):
            self.voila_configuration.multi_kernel_manager_class = GuardedKernelManager

    def listen(self):
        install_guards(self.app, self.log)
        super().listen()


main = GuardedVoila.launch_instance

if __name__ == "__main__":
    main()
