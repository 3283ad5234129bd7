"""The files of a Kubernetes class agree with the one-machine hub that the tests run.

A Zero to JupyterHub deployment cannot run here, so ``values.yaml`` and the single-user
``Dockerfile`` are pinned to what does: the image must install what the tested set-up
installs (the same pyproject extras the Makefile installs), hold the course and the
learners' server settings the hub uses, and the values must say what
``jupyterhub_config.py`` says (landing page, start timeout, culling), with resources per
learner no smaller than what the hub test measured.
"""

import os
import re
import shlex
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from traitlets.config import PyFileConfigLoader

from voila_server import REPO

tomllib = pytest.importorskip("tomllib", reason="tomllib needs Python 3.11")

DEPLOY = REPO / "deploy" / "jupyterhub"
sys.path.insert(0, str(DEPLOY))
from learner_home import COURSE_FILES, PROGRESS_DB, prepare_home  # noqa: E402
from learner_users import LearnerUserSpawner  # noqa: E402

IMAGE_HOME = "/home/jovyan"
MEASURED_MIB_PER_LEARNER = 285   # server + dashboard kernel, RSS, most seen (test_hub.py)
TOOL_EXTRAS = {"test", "bench"}  # what the Makefile installs beside serving: not for the image


@pytest.fixture(scope="module")
def hub_config(tmp_path_factory):
    """``jupyterhub_config.py`` as JupyterHub loads it (its folder set to a temporary one)."""
    state = tmp_path_factory.mktemp("hub")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TUTOR_HUB_DIR", str(state))
        patch.setenv("TUTOR_HUB_RUNTIME_DIR", str(state / "run"))
        for name in ("TUTOR_HUB_IP", "TUTOR_HUB_PORT", "TUTOR_HUB_ADMIN_TOKEN",
                     "TUTOR_HUB_IDLE_TIMEOUT"):
            patch.delenv(name, raising=False)
        umask = os.umask(0o022)      # the config makes the hub's files private: not the tests'
        try:
            return PyFileConfigLoader("jupyterhub_config.py", path=str(DEPLOY)).load_config()
        finally:
            os.umask(umask)


@pytest.fixture(scope="module")
def values():
    return yaml.safe_load((DEPLOY / "values.yaml").read_text())


@pytest.fixture(scope="module")
def dockerfile():
    """The Dockerfile's instructions as (keyword, argument text), continuation lines joined."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [tuple(line.split(None, 1)) for line in lines if line and not line.startswith("#")]


def pip_install_extras(command):
    """The extras of the one local requirement (``.[a,b]`` or ``/path[a]``) a pip command
    installs, and that requirement's folder; fails on any other requirement."""
    words = shlex.split(command)
    install = words.index("install")
    targets = [word for word in words[install + 1:] if not word.startswith("-")]
    assert len(targets) == 1, f"pip installs more than this project: {targets}"
    match = re.fullmatch(r"(.*)\[([\w,-]+)\]", targets[0])
    assert match, f"{targets[0]} names no extras"
    return set(match.group(2).split(",")), match.group(1)


def makefile_extras():
    recipe = [line for line in (REPO / "Makefile").read_text().splitlines()
              if "pip install" in line and "-e" in line.split()]
    assert len(recipe) == 1, "the Makefile's set-up should install this project once"
    extras, folder = pip_install_extras(recipe[0].replace("$(BIN)/", ""))
    assert folder == "."
    return extras


def mebibytes(quantity):
    """A Kubernetes quantity such as ``320M`` or ``1Gi`` in MiB."""
    number, unit = re.fullmatch(r"([\d.]+)([KMGT]i?)?", str(quantity)).groups()
    scale = {None: 1, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
             "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}[unit]
    return float(number) * scale / 2**20


def test_the_values_file_parses_and_lands_each_learner_on_the_dashboard(values, hub_config):
    singleuser = values["singleuser"]
    assert singleuser["defaultUrl"] == hub_config.Spawner.default_url \
        == "/voila/render/app.ipynb"
    assert singleuser["startTimeout"] >= hub_config.Spawner.start_timeout
    assert singleuser["image"]["name"] and singleuser["image"]["tag"]
    assert singleuser["cmd"] == "jupyterhub-singleuser"
    # A cluster is reachable from outside: never the one-machine trial's open login.
    assert values["hub"]["config"]["JupyterHub"]["authenticator_class"] not in ("dummy", "null")


def test_the_values_cull_idle_servers_as_the_one_machine_hub_does(values, hub_config):
    culler = next(service for service in hub_config.JupyterHub.services
                  if service["name"] == "idle-culler")
    timeout = next(int(word.split("=")[1]) for word in culler["command"]
                   if word.startswith("--timeout="))
    assert values["cull"]["enabled"] is True
    assert values["cull"]["timeout"] == timeout


def test_the_values_give_each_learner_what_the_hub_test_measured(values):
    memory = values["singleuser"]["memory"]
    assert mebibytes(memory["guarantee"]) >= MEASURED_MIB_PER_LEARNER
    assert mebibytes(memory["limit"]) > mebibytes(memory["guarantee"])
    cpu = values["singleuser"]["cpu"]
    assert 0 < cpu["guarantee"] <= cpu["limit"]


def test_the_image_installs_what_the_tested_set_up_installs(dockerfile):
    pip_lines = [argument for keyword, argument in dockerfile
                 if keyword == "RUN" and "pip install" in argument]
    assert len(pip_lines) == 1, "the image should install this project in one pip command"
    image_extras, folder = pip_install_extras(pip_lines[0])
    copied = {argument.split()[-1].rstrip("/") for keyword, argument in dockerfile
              if keyword == "COPY" and "pyproject.toml" in argument.split()}
    assert copied == {folder}, "pip installs the folder the pyproject.toml was copied to"

    tested_extras = makefile_extras()
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert image_extras == tested_extras - TOOL_EXTRAS    # serving, without the tools
    assert image_extras <= set(pyproject["project"]["optional-dependencies"])
    # ... and the tested environment really holds what the image's extras ask for.
    for extra in image_extras:
        for text in pyproject["project"]["optional-dependencies"][extra]:
            requirement = Requirement(text)
            assert requirement.specifier.contains(version(requirement.name)), requirement


def test_the_image_uses_the_python_of_the_environment_file(dockerfile):
    base = next(argument for keyword, argument in dockerfile if keyword == "FROM")
    image_python = re.fullmatch(r"python:(\d+\.\d+)(-\w+)?", base).group(1)
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    pinned = next(item for item in environment["dependencies"]
                  if isinstance(item, str) and item.startswith("python="))
    assert pinned == f"python={image_python}"
    requires = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    assert Requirement(f"python{requires}").specifier.contains(image_python + ".0")


def test_the_image_holds_the_course_and_the_learners_server_settings(dockerfile, hub_config,
                                                                    values):
    copied = {argument.split()[0] for keyword, argument in dockerfile if keyword == "COPY"}
    assert set(COURSE_FILES) | {"tutor", "deploy/jupyterhub"} <= copied
    environment = {}
    for keyword, argument in dockerfile:
        if keyword == "ENV":
            environment.update(item.split("=", 1) for item in shlex.split(argument))
    settings = Path(hub_config.Spawner.environment["JUPYTER_CONFIG_PATH"])
    assert environment["JUPYTER_CONFIG_PATH"] == \
        f"/srv/autograd-tutor/{settings.relative_to(REPO).as_posix()}"
    assert environment["TUTOR_PROGRESS_DB"] == f"{IMAGE_HOME}/{PROGRESS_DB.as_posix()}"

    hook = values["singleuser"]["lifecycleHooks"]["postStart"]["exec"]["command"]
    assert hook[1] == "/srv/autograd-tutor/deploy/jupyterhub/learner_home.py"
    assert hook[2:] == [IMAGE_HOME, "/srv/autograd-tutor"]


def test_the_one_machine_hub_listens_on_this_machine_only_by_default(hub_config):
    assert hub_config.JupyterHub.bind_url.startswith("http://127.0.0.1:")
    assert hub_config.JupyterHub.hub_ip == "127.0.0.1"
    assert hub_config.ConfigurableHTTPProxy.api_url.startswith("http://127.0.0.1:")
    assert hub_config.JupyterHub.spawner_class in ("simple", LearnerUserSpawner)
    assert hub_config.Spawner.cmd[1:] == ["-m", "jupyterhub.singleuser"]
    # kernels on Unix sockets: servers starting together cannot pick the same TCP port
    assert "--KernelManager.transport=ipc" in hub_config.Spawner.args


def test_the_hub_finds_the_proxy_where_the_makefile_installs_it(hub_config):
    makefile = (REPO / "Makefile").read_text()
    proxy = re.search(r"^PROXY\s*:=\s*\$\(VENV\)/(\S+)", makefile, re.MULTILINE).group(1)
    installed = Path(sys.prefix) / proxy
    if installed.exists():
        assert hub_config.ConfigurableHTTPProxy.command == [str(installed)]
    else:
        pytest.skip(f"the proxy is not installed yet (make installs it at .venv/{proxy})")


def test_a_learners_home_gets_the_course_once_and_keeps_their_changes(tmp_path):
    course = tmp_path / "course"
    (course / "lessons" / ".ipynb_checkpoints").mkdir(parents=True)
    (course / "app.ipynb").write_text("dashboard")
    (course / "lessons" / "01.ipynb").write_text("lesson 1")
    (course / "lessons" / ".ipynb_checkpoints" / "01-checkpoint.ipynb").write_text("old")
    home = tmp_path / "home"

    copied = prepare_home(home, course)
    assert sorted(path.as_posix() for path in copied) == ["app.ipynb", "lessons/01.ipynb"]
    assert (home / PROGRESS_DB).parent.is_dir()

    (home / "lessons" / "01.ipynb").write_text("lesson 1, with the learner's answers")
    (course / "lessons" / "02.ipynb").write_text("lesson 2")        # the course grew
    assert [path.as_posix() for path in prepare_home(home, course)] == ["lessons/02.ipynb"]
    assert (home / "lessons" / "01.ipynb").read_text() == "lesson 1, with the learner's answers"


def test_the_values_serve_the_hubs_own_templates_as_the_one_machine_hub_does(values, hub_config):
    """Both hubs use JupyterHub's pages with deploy/jupyterhub/templates over them (the
    "server starting" page that also asks whether the server is up): the one-machine hub
    reads the folder; the chart mounts each file, given to helm by --set-file."""
    templates = sorted(path.name for path in (DEPLOY / "templates").glob("*.html"))
    assert "spawn_pending.html" in templates
    one_machine = [Path(folder) for folder in hub_config.JupyterHub.template_paths]
    assert one_machine == [DEPLOY / "templates"]

    folders = values["hub"]["config"]["JupyterHub"]["template_paths"]
    mounted = {Path(entry["mountPath"]) for entry in values["hub"]["extraFiles"].values()}
    assert sorted(path.name for path in mounted) == templates
    assert {str(path.parent) for path in mounted} == set(folders)
    header = (DEPLOY / "values.yaml").read_text().split("\nhub:")[0]
    for key, entry in values["hub"]["extraFiles"].items():
        name = Path(entry["mountPath"]).name
        assert f"--set-file hub.extraFiles.{key}.stringData=deploy/jupyterhub/templates/{name}" \
            in header, f"the helm command in values.yaml does not give the chart {name}"
