"""GuardedKernelManager on its own, without Voila: the cap, the culler, the memory limit.

Each test starts real IPython kernels through the manager, in an event loop of its own, and
shuts them down at the end.
"""

import asyncio
import sys

import pytest

from tutor.server.kernels import CLASS_FULL, ClassFull, GuardedKernelManager
from tutor.server.kernel_launcher import memory_limit_message

pytestmark = pytest.mark.timeout(180)


def run(test, **settings):
    """Run ``await test(manager)`` with a fresh manager; every kernel is shut down after."""
    async def main():
        manager = GuardedKernelManager(**settings)
        try:
            await test(manager)
        finally:
            await manager.shutdown_all(now=True)
    asyncio.run(main())


async def execute(manager, kernel_id, code, timeout=60):
    """Run ``code`` in the kernel; return (its status, everything it printed)."""
    client = manager.get_kernel(kernel_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=timeout)
        printed = []
        reply = await client.execute_interactive(
            code, timeout=timeout,
            output_hook=lambda msg: printed.append(msg["content"].get("text", "")))
        return reply["content"]["status"], "".join(printed)
    finally:
        client.stop_channels()


def test_past_max_kernels_a_start_is_refused_with_the_class_full_message():
    async def test(manager):
        await manager.start_kernel(kernel_name="python3")
        assert manager.is_full()
        with pytest.raises(ClassFull) as refused:
            await manager.start_kernel(kernel_name="python3")
        assert refused.value.status_code == 503 and refused.value.log_message == CLASS_FULL
        assert len(manager.list_kernel_ids()) == 1
    run(test, max_kernels=1)


def test_a_kernel_nobody_connects_to_is_shut_down_and_a_connected_one_is_not():
    async def test(manager):
        lonely = await manager.start_kernel(kernel_name="python3")
        visited = await manager.start_kernel(kernel_name="python3")
        manager.notify_connect(visited)   # what a page's websocket does when it opens
        for _ in range(40):
            if lonely not in manager.list_kernel_ids():
                break
            await asyncio.sleep(0.25)
        assert manager.list_kernel_ids() == [visited]
    run(test, unconnected_timeout=2)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is Linux's")
def test_a_kernel_cannot_take_more_memory_than_its_limit_and_says_so():
    async def test(manager):
        kernel_id = await manager.start_kernel(kernel_name="python3")
        status, printed = await execute(manager, kernel_id, "hog = bytearray(4 * 1024**3)")
        assert memory_limit_message(1500) in printed
        assert "Traceback" not in printed
        status, printed = await execute(manager, kernel_id, "print(6 * 7)")
        assert (status, printed.strip()) == ("ok", "42")   # the kernel survived
        pid = manager.get_kernel(kernel_id).provisioner.pid
        with open(f"/proc/{pid}/limits") as limits:
            line = next(row for row in limits if row.startswith("Max address space"))
        assert line.split()[3] == str(1500 * 1024 * 1024)
    run(test, kernel_memory_limit_mb=1500)


@pytest.mark.parametrize("command, limited", [
    (["python", "-m", "ipykernel_launcher", "-f", "k.json"],
     ["python", "-m", "tutor.server.kernel_launcher", "--memory-limit-mb=900", "-f", "k.json"]),
    (["python", "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "k.json"],
     ["python", "-Xfrozen_modules=off", "-m", "tutor.server.kernel_launcher",
      "--memory-limit-mb=900", "-f", "k.json"]),
    (["R", "--slave", "-e", "IRkernel::main()"], ["R", "--slave", "-e", "IRkernel::main()"]),
])
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is Linux's")
def test_the_kernel_command_goes_through_the_limiting_launcher(monkeypatch, command, limited):
    from jupyter_server.services.kernels.kernelmanager import ServerKernelManager

    from tutor.server.kernels import MemoryLimitedKernelManager

    monkeypatch.setattr(ServerKernelManager, "format_kernel_cmd", lambda self, extra=None: command)
    kernel = MemoryLimitedKernelManager(parent=GuardedKernelManager(kernel_memory_limit_mb=900))
    assert kernel.format_kernel_cmd() == limited
