"""The one-machine hub keeps learners apart as far as the machine allows (issue 22, item 8).

With every learner's server running as the hub's own user, a learner's notebook could write
in another learner's home, read the hub's cookie secret and database, and read the proxy's
``CONFIGPROXY_AUTH_TOKEN`` and other learners' ``JUPYTERHUB_API_TOKEN`` in ``/proc``. Here:

* the config, loaded as the hub's own (non-root) user, keeps the hub's folder to that user
  and runs every server as that user, without ``--allow-root``;
* loaded as root, it chooses a system user per learner when this Python and the course can
  be read by other users, and says why not when they cannot;
* as root for real (CI is), two learners' users are made as the spawner makes them, and a
  process of one of them tries each of the issue's reaches against the other and the hub.
  That needs neither systemd nor the learners' servers, only ``useradd``.
"""

import os
import pwd
import runpy
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from voila_server import REPO

HUB = REPO / "deploy" / "jupyterhub"
sys.path.insert(0, str(HUB))
jupyterhub = pytest.importorskip("jupyterhub", reason="JupyterHub is not installed")
import learner_users  # noqa: E402
from learner_users import (LEARNER_USERS, ONE_USER, LearnerUserSpawner,  # noqa: E402
                           choose_isolation, ensure_system_user, private_folder,
                           remove_learner_users, system_user_name)


def load_config(state, monkeypatch, euid):
    """Run ``jupyterhub_config.py`` as the hub would, as user ``euid``: its config."""
    from traitlets.config import Config
    config = Config()
    monkeypatch.setenv("TUTOR_HUB_DIR", str(state))
    monkeypatch.setenv("TUTOR_HUB_RUNTIME_DIR", str(state / "run"))
    monkeypatch.delenv("TUTOR_HUB_ISOLATION", raising=False)
    monkeypatch.setattr(os, "geteuid", lambda: euid)
    before = os.umask(0o022)
    try:
        runpy.run_path(str(HUB / "jupyterhub_config.py"), init_globals={"get_config": lambda: config})
        assert os.umask(0o022) == 0o077          # what the hub (and its servers) create is private
    finally:
        os.umask(before)
    return config


def mode(path):
    return path.stat().st_mode & 0o777


def test_as_the_hubs_own_user_the_hubs_folder_is_its_alone(tmp_path, monkeypatch):
    state = tmp_path / "hub"
    state.mkdir()
    (state / "jupyterhub.sqlite").write_bytes(b"")      # made earlier, readable by all
    (state / "jupyterhub.sqlite").chmod(0o644)
    config = load_config(state, monkeypatch, euid=1000)
    assert config.JupyterHub.spawner_class == "simple"
    assert "--allow-root" not in config.Spawner.args
    assert mode(state) == mode(state / "homes") == 0o700
    assert mode(state / "jupyterhub.sqlite") == 0o600


def test_as_root_the_config_chooses_a_user_per_learner_when_it_can(tmp_path, monkeypatch):
    monkeypatch.setattr(learner_users, "open_to_others", lambda path, run=False: True)
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/sbin/{name}")
    state = tmp_path / "hub"
    config = load_config(state, monkeypatch, euid=0)
    assert config.JupyterHub.spawner_class is LearnerUserSpawner
    assert "--allow-root" not in config.Spawner.args        # no server runs as root
    assert "pre_spawn_hook" not in config.Spawner            # root never writes in a home
    assert mode(state) == mode(state / "homes") == 0o711    # crossed to a home, not listed


def test_as_root_without_a_python_others_can_run_it_says_why(tmp_path):
    hidden = tmp_path / "private"
    hidden.mkdir(mode=0o700)
    python = hidden / "python3"
    python.write_text("")
    python.chmod(0o755)
    kind, why = choose_isolation(REPO, python=str(python), euid=0)
    if shutil.which("useradd") is None:
        assert kind == ONE_USER and "useradd" in why
    else:
        assert kind == ONE_USER and str(python) in why and "other users" in why
    assert choose_isolation(REPO, euid=1000)[0] == ONE_USER


def test_system_user_names_are_ours_and_short():
    assert system_user_name("ana") == "tutor-ana"
    for learner in ("root", "a.b_c", "x" * 32):
        name = system_user_name(learner)
        assert name.startswith("tutor-") and len(name) <= 32
    assert system_user_name("a.b") != system_user_name("a-b")


# ------------------------------------------------------------------ as root, for real

needs_root = pytest.mark.skipif(
    not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("useradd")),
    reason="making system users needs root and useradd (CI runs as root)")


def as_user(entry, command, env=None):
    """Run ``command`` (a shell line) as the system user ``entry``: (exit code, output)."""
    def become():
        os.setgid(entry.pw_gid)
        os.setgroups([])
        os.setuid(entry.pw_uid)
    done = subprocess.run(["/bin/sh", "-c", command], preexec_fn=become, capture_output=True,
                          text=True, timeout=30, env=env or {"PATH": "/usr/bin:/bin"},
                          cwd="/")
    return done.returncode, done.stdout + done.stderr


@needs_root
def test_one_learner_reaches_neither_another_learner_nor_the_hub():
    base = Path(tempfile.mkdtemp(prefix="tutor-hub-test-", dir="/tmp"))
    started = []
    try:
        base.chmod(0o711)
        state = base / "hub"
        homes = state / "homes"
        homes.mkdir(parents=True)
        for folder in (state, homes):
            folder.chmod(0o711)
        secret = state / "jupyterhub_cookie_secret"
        secret.write_text("the hub's cookie secret")
        secret.chmod(0o600)
        ana, ben = (ensure_system_user(name, homes / name) for name in ("ana", "ben"))
        for name, entry in (("ana", ana), ("ben", ben)):
            private_folder(homes / name, entry)
        assert ana.pw_uid != 0 and ana.pw_gecos == learner_users.MARKER

        # Ben's server, with his token, and the proxy, with its own, are running.
        def become_ben():
            os.setgid(ben.pw_gid)
            os.setgroups([])
            os.setuid(ben.pw_uid)
        bens = subprocess.Popen(["sleep", "60"], preexec_fn=become_ben,
                                env={"JUPYTERHUB_API_TOKEN": "ben's token"})
        proxy = subprocess.Popen(["sleep", "60"], env={"CONFIGPROXY_AUTH_TOKEN": "proxy token"})
        started = [bens, proxy]

        tries = {
            "write in ben's home": f"touch {homes / 'ben' / 'planted'}",
            "list ben's home": f"ls {homes / 'ben'}",
            "read the cookie secret": f"cat {secret}",
            "list the hub's folder": f"ls {state}",
            "read ben's token": f"cat /proc/{bens.pid}/environ",
            "read the proxy's token": f"cat /proc/{proxy.pid}/environ",
            "signal ben's server": f"kill -STOP {bens.pid}",
        }
        for what, command in tries.items():
            code, output = as_user(ana, command)
            assert code != 0, f"ana could {what}: {output!r}"
            assert not any(leak in output for leak in ("cookie secret", "ben's token",
                                                       "proxy token"))
        assert as_user(ana, f"touch {homes / 'ana' / 'mine'} && ls {homes / 'ana'}") == (0, "mine\n")
        assert not (homes / "ben" / "planted").exists()
    finally:
        for process in started:
            process.kill()
            process.wait(10)
        removed = remove_learner_users(base / "hub" / "homes")
        shutil.rmtree(base, ignore_errors=True)
    assert sorted(removed) == ["tutor-ana", "tutor-ben"]
    for name in removed:
        with pytest.raises(KeyError):
            pwd.getpwnam(name)
