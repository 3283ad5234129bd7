"""JupyterHub for a class on one machine: ``make hub``, then open http://127.0.0.1:8000.

What a learner gets: they type any name on the login page (no password), the hub starts a
Jupyter server of their own, and they land on the dashboard, ``/voila/render/app.ipynb``,
served from their own home. The home (``.hub/homes/<name>`` under the repository) holds
their own copy of ``app.ipynb`` and ``lessons/`` and their own progress database, so what
they do is theirs; ``python -m tutor.report .hub/homes`` (``make report``) reads it all back.

The pieces, all from this repository's ``.venv`` (``make hub`` installs them):

* the hub itself (JupyterHub 6) and its proxy, ``configurable-http-proxy`` from npm, which
  the Makefile installs into ``.venv/node``;
* ``DummyAuthenticator``: any name logs in. Fine for a trial on 127.0.0.1; for a real class
  use a real login: OAuth (``oauthenticator``: GitHub, Google, your school's identity
  provider), LTI from the learning platform (``ltiauthenticator``), or at least one shared
  password (``SharedPasswordAuthenticator``);
* each learner's server is a process on this machine. When the hub runs as root (and this
  Python and the course can be read by other users), each learner's server runs as a system
  user of their own, ``tutor-<name>`` (``learner_users.py`` beside this file): their home is
  theirs alone, and the hub's secrets and the other learners' tokens are out of their reach.
  Otherwise every server runs as the hub's own user (``SimpleLocalProcessSpawner``), which
  keeps learners apart only by convention: a learner's notebook can read and change every
  other learner's files and read their tokens. The hub's log says which it chose and why
  ("tutor hub: ..."); ``TUTOR_HUB_ISOLATION=one-user`` forces the second. Either way the
  hub's folder (database, cookie secret) is readable by the hub's user only. For a class
  that must be kept apart for certain, use Kubernetes (``values.yaml``: one container per
  learner);
* ``jupyterhub-idle-culler`` as a hub service: a server idle for an hour is stopped (its
  files stay; the learner's next login starts it again).

Timeouts are long on purpose. When a class logs in at once, thirty servers and thirty
kernels start together; on two cores each one takes tens of seconds, and JupyterHub's
defaults (60 s to start, then 30 s to answer HTTP) would give up on the last of them.

Settings from the environment (all optional):

==========================  ==========================================  =================
``TUTOR_HUB_DIR``           the hub's folder: database, cookie secret,  ``.hub`` in the
                            ``homes/``                                  repository
``TUTOR_HUB_IP``            the address learners connect to; set it to  ``127.0.0.1``
                            ``0.0.0.0`` for other machines, only with a
                            real authenticator
``TUTOR_HUB_PORT``          the port learners connect to                ``8000``
``TUTOR_HUB_API_PORT``      the hub's own port (behind the proxy)       ``8081``
``TUTOR_PROXY_API_PORT``    the proxy's control port                    ``8001``
``TUTOR_HUB_IDLE_TIMEOUT``  seconds of idleness before a server stops   ``3600``
``TUTOR_HUB_RUNTIME_DIR``   where the learners' kernels keep their      a folder of its
                            connection files and sockets (keep the      own in the
                            path short: a socket's is at most 107       system's temp
                            bytes)                                      folder
``TUTOR_HUB_ADMIN_TOKEN``   a token for scripts that manage the class   none
                            (a ``teacher`` service may list learners
                            and start or stop their servers)
``TUTOR_HUB_ISOLATION``     ``auto``, or ``one-user`` to run every      ``auto``
                            server as the hub's user even as root
==========================  ==========================================  =================

Stopping: on SIGTERM (or Ctrl-C) the hub stops the idle culler, every learner's server and
the proxy. Each server is given 3 s to stop on its own (it shuts its kernels down), then 2 s
after SIGTERM, then it is killed: the hub is gone within seconds, not the half minute
JupyterHub's defaults (10 + 5 + 5 s, waited on one after another) allow.
"""

import hashlib
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
from learner_home import prepare_home, progress_db_path  # noqa: E402  (this folder, above)
from learner_users import (LEARNER_USERS, ONE_USER, LearnerUserSpawner,  # noqa: E402
                           choose_isolation)

c = get_config()  # noqa: F821  (JupyterHub defines get_config for its config files)

# Everything the hub writes (its database, the cookie secret, the proxy's pid file) is for
# the hub's user alone; the learners' servers inherit this and keep their files private too.
os.umask(0o077)
STATE = Path(os.environ.get("TUTOR_HUB_DIR") or REPO / ".hub").resolve()
HOMES = STATE / "homes"
STATE.mkdir(parents=True, exist_ok=True)
HOMES.mkdir(exist_ok=True)
if os.environ.get("TUTOR_HUB_ISOLATION", "auto") == "one-user":
    ISOLATION, WHY = ONE_USER, "TUTOR_HUB_ISOLATION=one-user"
else:
    ISOLATION, WHY = choose_isolation(REPO)
# With a user per learner, learners must cross the hub's folder to reach their homes (x),
# but may not list it (no r); with one user for all, nobody else needs it at all.
for folder in (STATE, HOMES):
    folder.chmod(0o711 if ISOLATION == LEARNER_USERS else 0o700)
for secret in ("jupyterhub.sqlite", "jupyterhub_cookie_secret", "jupyterhub-proxy.pid"):
    if (STATE / secret).exists():            # made before this rule: made private now
        (STATE / secret).chmod(0o600)
print(f"tutor hub: learners' servers run as {ISOLATION}: {WHY}", file=sys.stderr)
IP = os.environ.get("TUTOR_HUB_IP", "127.0.0.1")
PORT = int(os.environ.get("TUTOR_HUB_PORT", "8000"))
HUB_API_PORT = int(os.environ.get("TUTOR_HUB_API_PORT", "8081"))
PROXY_API_PORT = int(os.environ.get("TUTOR_PROXY_API_PORT", "8001"))
IDLE_TIMEOUT = int(os.environ.get("TUTOR_HUB_IDLE_TIMEOUT", "3600"))
START_TIMEOUT = 300    # seconds for a learner's server to start, and then to answer HTTP
RUNTIME = Path(os.environ.get("TUTOR_HUB_RUNTIME_DIR") or Path(tempfile.gettempdir()) / (
    "tutor-hub-" + hashlib.sha1(str(STATE).encode()).hexdigest()[:8]))
RUNTIME.mkdir(mode=0o700, parents=True, exist_ok=True)
RUNTIME.chmod(0o711 if ISOLATION == LEARNER_USERS else 0o700)   # each learner's folder in it

# ---------------------------------------------------------------------- where it listens
c.JupyterHub.bind_url = f"http://{IP}:{PORT}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = HUB_API_PORT
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PROXY_API_PORT}"
local_proxy = Path(sys.prefix) / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
if local_proxy.exists():       # `make hub` puts it there; else it must be on PATH
    c.ConfigurableHTTPProxy.command = [str(local_proxy)]
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
# JupyterHub's pages, with one change: the "server starting" page also asks the hub whether
# the server is up, so a missed "ready" event cannot leave a learner waiting.
c.JupyterHub.template_paths = [str(HERE / "templates")]

# ---------------------------------------------------------------------- who gets in
c.JupyterHub.authenticator_class = "dummy"        # any name, no password: a trial only
c.Authenticator.allow_all = True
# Names become folders under homes/ and rows of the class report: keep them plain.
c.Authenticator.username_pattern = r"^[a-z0-9][a-z0-9._-]{0,31}$"
# No admin users: with a login that checks nothing, anyone could type an admin's name. The
# teacher's scripts use the token below instead.

# ---------------------------------------------------------------------- each learner's server
if ISOLATION == LEARNER_USERS:
    c.JupyterHub.spawner_class = LearnerUserSpawner
    c.LearnerUserSpawner.runtime_dir = str(RUNTIME)
    c.LearnerUserSpawner.course = str(REPO)
else:
    c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(HOMES / "{username}")
# This interpreter's own single-user server, whatever is on PATH.
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/voila/render/app.ipynb"
# Kernels talk to their server over Unix sockets, not TCP ports. Each server picks its
# kernels' ports on its own, so when a class arrives at once two servers can pick the same
# port and a learner's kernel dies at start ("Address already in use"); a socket file named
# after its kernel cannot clash. (On Kubernetes every learner has a network of their own.)
c.Spawner.args = ["--KernelManager.transport=ipc"]
# Jupyter refuses to run as root unless told; CI and containers often are root.
if ISOLATION == ONE_USER and os.geteuid() == 0:
    c.Spawner.args.append("--allow-root")
c.Spawner.environment = {
    "TUTOR_PROGRESS_DB": lambda spawner: str(progress_db_path(spawner.home_dir)),
    # the learners' server settings (Voila's timeouts, kernel culling): singleuser/
    "JUPYTER_CONFIG_PATH": str(HERE / "singleuser"),
    "JUPYTER_RUNTIME_DIR": str(RUNTIME),
}


def copy_course_into_home(spawner):
    """Before each start: the learner's own ``app.ipynb`` and ``lessons/`` (never overwritten)."""
    copied = prepare_home(spawner.home_dir, REPO)
    if copied:
        spawner.log.info("copied %d course files into %s", len(copied), spawner.home_dir)


if ISOLATION == ONE_USER:      # (a learner's own user copies it, in LearnerUserSpawner.start)
    c.Spawner.pre_spawn_hook = copy_course_into_home
c.Spawner.start_timeout = START_TIMEOUT
c.Spawner.http_timeout = START_TIMEOUT
# Stopping, for each server and for the idle culler: SIGINT and 3 s to stop on its own,
# SIGTERM and 2 s, then SIGKILL (JupyterHub's defaults wait 10, 5 and 5 s).
c.LocalProcessSpawner.interrupt_timeout = 3
c.LocalProcessSpawner.term_timeout = 2
c.LocalProcessSpawner.kill_timeout = 2

# ---------------------------------------------------------------------- services
services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                f"--timeout={IDLE_TIMEOUT}", "--cull-every=60"],
}]
roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]
if os.environ.get("TUTOR_HUB_ADMIN_TOKEN"):
    services.append({"name": "teacher", "api_token": os.environ["TUTOR_HUB_ADMIN_TOKEN"]})
    roles.append({"name": "teacher", "scopes": ["admin:users", "admin:servers"],
                  "services": ["teacher"]})
c.JupyterHub.services = services
c.JupyterHub.load_roles = roles
