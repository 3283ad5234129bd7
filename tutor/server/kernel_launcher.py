"""Start an IPython kernel that may use only so much memory.

``python -m tutor.server.kernel_launcher --memory-limit-mb=N -f connection.json`` does what
``python -m ipykernel_launcher -f connection.json`` does, after two things:

1. It lowers ``RLIMIT_AS``, the address space the process may map, to ``N`` MiB. The kernel
   is a process of its own, so the limit holds for everything the learner's page makes it
   do, and for nothing else on the server. An allocation past the limit fails inside the
   kernel with ``MemoryError``; the operating system never has to pick a process to kill.
2. It tells IPython to answer a ``MemoryError`` in a cell with one plain sentence instead of
   a traceback: what happened, and that the kernel is still there.

Address space is more than resident memory (thread stacks and shared libraries are mapped
but mostly never touched), so ``N`` must leave room: a dashboard kernel maps about 1 GB
while it uses about 120 MB.
"""

import resource
import sys

FLAG = "--memory-limit-mb="


def memory_limit_message(limit_mb):
    return (f"MemoryError: that needed more memory than this kernel may use ({limit_mb} MB), "
            "so it was stopped. The kernel is still running and nothing else was lost; "
            "try smaller inputs.")


def limit_address_space(limit_mb):
    """Lower this process's address-space limit to ``limit_mb`` MiB (never raise it)."""
    wanted = limit_mb * 1024 * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


def split_arguments(argv):
    """``(limit_mb, the rest)`` from the command line; the rest goes to the kernel."""
    limit_mb, rest = 0, []
    for argument in argv:
        if argument.startswith(FLAG):
            limit_mb = int(argument[len(FLAG):])
        else:
            rest.append(argument)
    return limit_mb, rest


def main(argv=None):
    limit_mb, kernel_argv = split_arguments(sys.argv[1:] if argv is None else argv)
    if limit_mb > 0:
        limit_address_space(limit_mb)
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(kernel_argv)
    if limit_mb > 0:
        message = memory_limit_message(limit_mb)

        def explain_memory_error(shell, etype, value, tb, tb_offset=None):
            print(message, file=sys.stderr)

        app.shell.set_custom_exc((MemoryError,), explain_memory_error)
    app.start()


if __name__ == "__main__":
    # Like ipykernel_launcher: the working directory must not shadow installed modules.
    if sys.path and sys.path[0] == "":
        del sys.path[0]
    main()
