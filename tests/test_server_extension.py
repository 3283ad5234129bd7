"""The guards in a Jupyter server, where Voila runs as an extension (JupyterHub's single-user
servers serve ``/voila/render/app.ipynb`` this way).

The server is started with exactly the two settings the ``tutor.server`` docstring gives,
on 127.0.0.1 and a free port, and attacked as in ``test_server_security.py``.
"""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from server_probes import V1, answers_within, connect, fetch_page, kernel_pids, read_until_closed
from voila_server import REPO, VoilaServer, free_port, stop_process_tree, wait_for_http

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def server(artifacts_dir):
    port = free_port()
    log_path = artifacts_dir / "jupyter-server-extension.log"
    command = [sys.executable, "-m", "jupyter_server", "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
               f"--ServerApp.root_dir={REPO}", "--IdentityProvider.token=",
               "--ServerApp.jpserver_extensions={'voila': True, 'tutor.server': True}",
               "--ServerApp.kernel_manager_class=tutor.server.GuardedKernelManager"]
    if os.geteuid() == 0:   # containers often run tests as root; Jupyter refuses that by default
        command.append("--allow-root")
    with open(log_path, "w") as log_file:
        process = subprocess.Popen(command, cwd=REPO, stdout=log_file, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    jupyter = VoilaServer(process, f"http://127.0.0.1:{port}/", log_path)
    try:
        wait_for_http(jupyter.url, process)
        yield jupyter
    finally:
        stop_process_tree(process)


def test_the_guards_are_active_in_the_jupyter_server(server):
    status, _, kernel_id, headers = fetch_page(server.url + "voila/render/app.ipynb")
    assert status == 200 and kernel_id
    assert "tutor.server guards active" in server.log()
    assert "0 page route(s) guarded" not in server.log()
    cookies = " ".join(headers.get_all("Set-Cookie") or [])
    assert "_xsrf=" in cookies   # so that a closing tab may shut its kernel down
    commands = [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in kernel_pids(server.pid)]
    assert any(b"tutor.server.kernel_launcher\0--memory-limit-mb=" in command for command in commands)

    async def attacks():
        with pytest.raises(HTTPClientError) as refused:
            await connect(server.url, kernel_id)   # the legacy protocol
        assert refused.value.code == 400
        ws = await connect(server.url, kernel_id, subprotocols=[V1])
        await ws.write_message((2**62).to_bytes(8, "little"), binary=True)
        return await read_until_closed(ws)

    code, reason = asyncio.run(attacks())
    assert code == 1007 and "4611686018427387904 offsets" in reason
    assert answers_within(server.url, 1)
