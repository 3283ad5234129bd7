"""Keeping learners apart on one machine: each learner's server as a system user of its own.

With every learner's server running as the hub's own user, a learner's notebook can do
whatever that user can: write in the other learners' homes, read the hub's cookie secret and
database, and read any process's environment in ``/proc``, where the proxy's
``CONFIGPROXY_AUTH_TOKEN`` (it changes the proxy's routes) and every other learner's
``JUPYTERHUB_API_TOKEN`` (it calls the hub as that learner) are. File modes cannot help
there: it is all one user.

When the hub runs as root, each learner gets a system user of their own instead
(:class:`LearnerUserSpawner`): ``tutor-<name>``, made on the learner's first login with
``useradd``, no password and no login shell. Their server runs as that user, so:

* their home (``homes/<name>``) is theirs alone (mode 0700); another learner can neither
  read nor write it;
* the hub's folder is the hub's (root's): the database and the cookie secret are 0600, and
  the folder may be crossed (to reach one's home) but not listed;
* ``/proc/<pid>/environ`` of a process of another user is unreadable, so the proxy's and
  the other learners' tokens are out of reach;
* their kernels' connection files and sockets are in a runtime folder of their own.

The course is copied into the home by a process running as the learner (root never writes
into a folder a learner controls: a symbolic link there could point anywhere). This only
works if the learner's user can run this Python and read the course, so
:func:`choose_isolation` looks: it picks per-learner users when the hub is root, ``useradd``
exists and every folder from ``/`` down to the interpreter, its libraries and the course is
open to other users; otherwise every server runs as the hub's user, and the hub's log says
why. (A Python installed under ``/root``, mode 0700, is the usual reason.)
"""

import hashlib
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path

from jupyterhub.spawner import SimpleLocalProcessSpawner, set_user_setuid
from traitlets import Unicode

LEARNER_USERS = "learner users"
ONE_USER = "one user"
MARKER = "autograd-tutor learner"         # the comment (GECOS) field of every user we make
PREFIX = "tutor-"


def system_user_name(learner):
    """``ana`` -> ``tutor-ana``: the learner's system user (at most 32 characters, and never
    the name of a user the system already had: they all start with ``tutor-``)."""
    if re.fullmatch(r"[a-z0-9][a-z0-9-]{0,24}", learner):
        return PREFIX + learner
    readable = re.sub(r"[^a-z0-9-]", "-", learner.lower())[:14]
    return f"{PREFIX}{readable}-{hashlib.sha256(learner.encode()).hexdigest()[:8]}"


def open_to_others(path, run=False):
    """True if a user who is neither the owner nor in the group can reach and read ``path``
    (every folder above it crossable, the file itself readable, and runnable if ``run``)."""
    path = Path(os.path.realpath(path))
    for folder in [*reversed(path.parents), path]:
        try:
            mode = folder.stat().st_mode
        except OSError:
            return False
        if stat.S_ISDIR(mode) and not mode & stat.S_IXOTH:
            return False
    wanted = stat.S_IROTH | (stat.S_IXOTH if run else 0)
    return path.stat().st_mode & wanted == wanted


def choose_isolation(course, python=sys.executable, euid=None):
    """``(LEARNER_USERS or ONE_USER, why)``: how the learners' servers can be kept apart."""
    euid = os.geteuid() if euid is None else euid
    if euid != 0:
        try:
            user = pwd.getpwuid(euid).pw_name
        except KeyError:
            user = f"user {euid}"
        return ONE_USER, (f"the hub runs as {user}, not root, so every learner's server runs "
                          f"as {user} too")
    if shutil.which("useradd") is None:
        return ONE_USER, "there is no useradd to make a system user per learner"
    needed = [(python, True), (sysconfig.get_paths()["stdlib"], False),
              (sysconfig.get_paths()["purelib"], False), (Path(__file__), False),
              (Path(course) / "app.ipynb", False), (Path(course) / "lessons", False)]
    for path, run in needed:
        if not open_to_others(path, run):
            return ONE_USER, (f"{os.path.realpath(path)} cannot be reached by other users, so "
                              f"a learner's own user could not run the server")
    return LEARNER_USERS, "each learner's server runs as a system user of their own"


def ensure_system_user(learner, home):
    """The ``pwd`` entry of the learner's system user, made (with its own group) if needed.

    A user of that name that we did not make (another comment) is refused, never reused.
    """
    name = system_user_name(learner)
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                        "--home-dir", str(home), "--shell", "/usr/sbin/nologin",
                        "--comment", MARKER, name], check=True, capture_output=True)
        entry = pwd.getpwnam(name)
    if entry.pw_gecos != MARKER or entry.pw_uid == 0:
        raise PermissionError(f"the system user {name} exists and is not one the tutor made")
    return entry


def private_folder(folder, entry, mode=0o700):
    """Make ``folder`` (in a folder only root may change) belong to ``entry``, ``mode``.

    A folder that is not the learner's yet (made before they had a user of their own) is
    handed over with all it holds, never following a symbolic link.
    """
    folder = Path(folder)
    folder.mkdir(mode=mode, exist_ok=True)
    if folder.is_symlink() or not folder.is_dir():
        raise PermissionError(f"{folder} is not a folder")
    if folder.stat().st_uid != entry.pw_uid:
        for parent, folders, files in os.walk(folder, followlinks=False):
            for item in [parent, *(os.path.join(parent, name) for name in folders + files)]:
                os.chown(item, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
    os.chmod(folder, mode)


def remove_learner_users(homes):
    """Delete the system users we made whose home is under ``homes`` (for tests, and for a
    teacher closing a class). Returns their names."""
    homes = os.path.realpath(homes)
    removed = []
    for entry in pwd.getpwall():
        if entry.pw_gecos == MARKER and os.path.realpath(entry.pw_dir).startswith(homes + os.sep):
            subprocess.run(["userdel", entry.pw_name], check=False, capture_output=True)
            removed.append(entry.pw_name)
    return removed


class LearnerUserSpawner(SimpleLocalProcessSpawner):
    """Each learner's server as their own system user (see the module's docstring).

    ``runtime_dir`` is the folder under which each learner gets the runtime folder of their
    own (kernels' connection files and sockets); ``course`` is what their home gets a copy of.
    """

    runtime_dir = Unicode(config=True, help="Folder of the learners' runtime folders.")
    course = Unicode(config=True, help="The course copied into each learner's home.")

    @property
    def system_user(self):
        return system_user_name(self.user.name)

    def learner_runtime(self):
        return Path(self.runtime_dir) / self.system_user

    async def start(self):
        entry = ensure_system_user(self.user.name, self.home_dir)
        private_folder(self.home_dir, entry)
        private_folder(self.learner_runtime(), entry)
        self.copy_course_as_learner()
        return await super().start()

    def copy_course_as_learner(self):
        """The learner's own copy of the course, made by a process running as the learner."""
        script = Path(__file__).resolve().with_name("learner_home.py")
        subprocess.run([sys.executable, str(script), self.home_dir, self.course],
                       preexec_fn=set_user_setuid(self.system_user, chdir=False),
                       check=True, capture_output=True, timeout=120)

    def make_preexec_fn(self, name):
        become_learner = set_user_setuid(self.system_user, chdir=False)
        home = self.home_dir

        def preexec():
            become_learner()
            os.chdir(home)
        return preexec

    def user_env(self, env):
        env["USER"] = self.system_user
        env["HOME"] = self.home_dir
        env["SHELL"] = "/bin/sh"
        env["JUPYTER_RUNTIME_DIR"] = str(self.learner_runtime())
        return env
