"""A class on JupyterHub, on one machine: ten learners log in at once, each on their own.

The hub runs exactly as ``make hub`` runs it, from ``deploy/jupyterhub/jupyterhub_config.py``,
with only what the config reads from the environment changed: free ports on 127.0.0.1 and
a temporary folder for the hub's database, cookie secret and the learners' homes. Ten
learners then log in through the login page at the same moment, each in a browser context
of their own (their own cookies), in headless Debian Chromium. Each must land on the
dashboard served from their own home and be able to step it; one answers a Practice
question, and only that learner's progress database changes. At the end the servers are
stopped through the hub's REST API, no learner's process may be left, and the class report
reads the class back from the homes.

What it measured (how long until the tenth learner had a usable dashboard, and the memory
of each learner's server with its kernel) is written to ``test-artifacts/hub-class.json``;
the numbers are reported, never asserted.
"""

import asyncio
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from voila_server import CHROMIUM, CHROMIUM_ARGS, REPO, child_pids, free_port

pytestmark = [pytest.mark.hub, pytest.mark.timeout(900)]

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing (Debian: apt-get install chromium); the hub test uses "
                "the system Chromium and never downloads one", allow_module_level=True)
pytest.importorskip("jupyterhub", reason="JupyterHub is not installed (pip install -e '.[hub]')")
async_api = pytest.importorskip("playwright.async_api", reason="Playwright is not installed")
LOCAL_PROXY = Path(sys.prefix) / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
if not LOCAL_PROXY.exists() and shutil.which("configurable-http-proxy") is None:
    pytest.skip("JupyterHub's proxy is not installed: `make test` installs it, or "
                "npm install --prefix .venv/node configurable-http-proxy@5",
                allow_module_level=True)

from test_browser import GRAPH_LOADED, STATUS  # noqa: E402  (what a usable dashboard shows)
from tutor.exercises.store import ProgressStore  # noqa: E402
from tutor.report import read_class  # noqa: E402

sys.path.insert(0, str(REPO / "deploy" / "jupyterhub"))
from learner_home import COURSE_FILES, progress_db_path  # noqa: E402
from learner_users import remove_learner_users  # noqa: E402

CONFIG = REPO / "deploy" / "jupyterhub" / "jupyterhub_config.py"
LEARNERS = [f"learner{number:02d}" for number in range(1, 11)]
HUB_START_TIMEOUT = 90          # seconds for the hub and its proxy to answer
CLASS_TIMEOUT = 480             # seconds for all ten dashboards to be usable and stepped
STOP_TIMEOUT = 120              # seconds for the hub to stop every server
STUCK_AFTER = 20                # seconds on "server starting" after the server is ready
STOPPED_WITHIN = 15             # seconds from SIGTERM until the hub and all it started are gone
DEAF = LEARNERS[-1]             # this learner's page never hears the hub's "ready" event
PRACTICE = ("Lesson 1: Type ∂f/∂x", "2/x + y", "l01-expr-dfdx")   # label, answer, id


class Hub:
    """A JupyterHub process started from the repository's config, and its REST API."""

    def __init__(self, state, log_path):
        self.state = state
        self.homes = state.resolve() / "homes"
        self.token = secrets.token_hex(24)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/"
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("JUPYTERHUB_", "TUTOR_"))}
        self.runtime = Path(tempfile.mkdtemp(prefix="hub-run-"))   # short: socket paths
        env.update(TUTOR_HUB_DIR=str(state), TUTOR_HUB_IP="127.0.0.1", TUTOR_HUB_PORT=str(port),
                   TUTOR_HUB_RUNTIME_DIR=str(self.runtime),
                   TUTOR_HUB_API_PORT=str(free_port()), TUTOR_PROXY_API_PORT=str(free_port()),
                   TUTOR_HUB_ADMIN_TOKEN=self.token)
        self.log_path = log_path
        with open(log_path, "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)], cwd=state, env=env,
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)

    def api(self, method, path, timeout=30):
        """Call ``/hub/api/<path>`` as the config's ``teacher`` service; the JSON answer."""
        request = urllib.request.Request(self.url + "hub/api/" + path, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def wait_until_up(self):
        deadline = time.monotonic() + HUB_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the hub exited with code {self.process.returncode}:\n"
                                   + self.log()[-3000:])
            try:
                self.api("GET", "", timeout=2)
                return
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.3)
        raise RuntimeError(f"the hub did not answer within {HUB_START_TIMEOUT} s:\n"
                           + self.log()[-3000:])

    def ready(self, name):
        """True once the hub says ``name``'s server is up."""
        servers = self.api("GET", f"users/{name}")["servers"]
        return bool(servers) and servers[""]["ready"]

    def server_pid(self, name):
        """The process id of ``name``'s single-user server (the spawner's state)."""
        return self.api("GET", f"users/{name}")["servers"][""]["state"]["pid"]

    def stop_servers(self, names):
        """Ask the hub to stop each learner's server; wait until it says none is left."""
        for name in names:
            self.api("DELETE", f"users/{name}/server")
        deadline = time.monotonic() + STOP_TIMEOUT
        running = list(names)
        while running and time.monotonic() < deadline:
            running = [name for name in running if self.api("GET", f"users/{name}")["servers"]]
            time.sleep(0.5)
        return running

    def stop(self):
        """Stop the hub (it stops its proxy and services); kill whatever outlives it."""
        family = [self.process.pid, *child_pids(self.process.pid)]
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        for pid in family:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.runtime, ignore_errors=True)
        remove_learner_users(self.homes)      # as root, the hub made a user per learner

    def log(self):
        return self.log_path.read_text(errors="replace")


def alive(pid):
    """True if process ``pid`` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def processes_in(folder):
    """Pids of the processes whose working directory is inside ``folder``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = Path(os.readlink(entry / "cwd"))
        except OSError:
            continue
        if cwd == folder or folder in cwd.parents:
            found.append(int(entry.name))
    return [pid for pid in found if alive(pid)]


def rss_mib(pids):
    """Resident memory of the processes ``pids`` together, in MiB (from ``/proc``)."""
    total_kib = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total_kib += next((int(line.split()[1]) for line in status.splitlines()
                           if line.startswith("VmRSS:")), 0)
    return total_kib / 1024


def learner_memory(server_pid):
    """RSS in MiB of a learner's server alone, and with its kernel (the whole process tree)."""
    server = rss_mib([server_pid])
    return {"server": round(server, 1),
            "total": round(server + rss_mib(child_pids(server_pid)), 1)}


def hub_memory(hub):
    """RSS in MiB of the hub's own processes: itself, its proxy, its services."""
    servers = set()
    for name in LEARNERS:
        pid = hub.server_pid(name)
        servers |= {pid, *child_pids(pid)}
    return round(rss_mib(set(child_pids(hub.process.pid)) - servers | {hub.process.pid}), 1)


async def wait_for_the_dashboard(page, hub, name, deadline, artifacts_dir):
    """Wait on the hub's "server starting" page until it sends the learner on.

    JupyterHub's own page waits for the hub's "ready" event, and under heavy load we saw it
    miss the event and wait forever while the server was long up. Ours also asks the hub
    itself (``deploy/jupyterhub/templates``). Should it still be stuck, a learner would
    reload the page, and so does this, STUCK_AFTER seconds after the hub says the server is
    ready, unless the page is already on its way to the dashboard (the page is saved first,
    as ``hub-stuck-<name>.png``). Returns the reloads.
    """
    reloads, ready_since = 0, None
    dashboard = page.locator(".tutor-step-forward")
    while not await dashboard.is_visible():
        if time.monotonic() > deadline:
            await page.screenshot(path=str(artifacts_dir / f"hub-late-{name}.png"))
            raise AssertionError(f"{name} had no dashboard in time; the page is {page.url}; "
                                 f"its console: {page.console_lines[-5:]}")
        if "/hub/spawn-pending/" in page.url and await asyncio.to_thread(hub.ready, name):
            ready_since = ready_since or time.monotonic()
            if time.monotonic() - ready_since > STUCK_AFTER and not await leaving(page):
                await page.screenshot(path=str(artifacts_dir / f"hub-stuck-{name}.png"))
                await page.reload(wait_until="commit")
                reloads, ready_since = reloads + 1, None
        await asyncio.sleep(1)
    return reloads


async def leaving(page):
    """Has the starting page begun its way to the dashboard (or already left)?"""
    try:
        return await page.evaluate("window.tutorLeaving === true")
    except async_api.Error:          # the page was replaced while we asked: it has left
        return True


async def log_in_and_step(browser, hub, name, started, deadline, artifacts_dir):
    """One learner: log in, wait for their own usable dashboard, step it once.

    Returns the page, the seconds from the class's start to a usable dashboard, and how
    often the "server starting" page had to be reloaded. For the learner ``DEAF`` the hub's
    progress events are cut off, as we saw them lost under load: the starting page must
    still notice the server is up by itself (``deploy/jupyterhub/templates``).
    """
    expect = async_api.expect
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.console_lines = []
    page.on("console", lambda message: page.console_lines.append(message.text))
    page.saw_starting_page = False
    page.on("framenavigated", lambda frame: setattr(page, "saw_starting_page", True)
            if "/hub/spawn-pending/" in frame.url else None)
    if name == DEAF:
        await page.route("**/server/progress*", lambda route: route.abort())
    left_ms = lambda: max(1_000, (deadline - time.monotonic()) * 1000)   # noqa: E731
    page.set_default_timeout(left_ms())
    await page.goto(hub.url + "hub/login", wait_until="domcontentloaded")
    await page.fill("#username_input", name)
    await page.fill("#password_input", "")
    await page.click("#login_submit", no_wait_after=True)
    # The hub shows its "server starting" page, then sends the learner on to the dashboard.
    reloads = await wait_for_the_dashboard(page, hub, name, deadline, artifacts_dir)
    try:    # the page is built with its status; an unset one means the dashboard broke
        await expect(page.locator(".tutor-status")).to_have_text(
            STATUS, timeout=min(60_000, left_ms()))
    except AssertionError:
        error = await page.locator(".tutor-error").all_inner_texts()
        raise AssertionError(f"{name}'s dashboard has no recording; its error area: {error}")
    await page.wait_for_function(GRAPH_LOADED, timeout=left_ms())
    usable = time.monotonic() - started
    assert f"/user/{name}/voila/render/app.ipynb" in page.url
    status = await page.locator(".tutor-status").inner_text()
    assert status.startswith("forward 0/")
    await page.click(".tutor-step-forward")
    await expect(page.locator(".tutor-status")).to_have_text(
        status.replace("forward 0/", "forward 1/"), timeout=left_ms())
    return page, usable, reloads


async def answer_practice_question(page):
    """Open the Practice tab, pick the ∂f/∂x question and type the right formula."""
    expect = async_api.expect
    label, answer, _ = PRACTICE
    await page.locator(".tutor-tabs .lm-TabBar-tab", has_text="Practice").click()
    await page.locator(".tutor-practice-chooser select").select_option(label=label)
    await expect(page.locator(".tutor-exercise-question")).to_contain_text("log(x**2)")
    box = page.locator(".tutor-exercise-answer input")
    await box.fill(answer)
    await box.press("Enter")
    await page.click(".tutor-exercise-check")
    await expect(page.locator(".tutor-exercise-feedback")).to_contain_text("Passed")


async def run_class(hub, artifacts_dir):
    """All ten learners at once; then learner01 practises. The measurements, per learner."""
    async with async_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                   args=CHROMIUM_ARGS)
        try:
            started = time.monotonic()
            deadline = started + CLASS_TIMEOUT
            results = await asyncio.wait_for(
                asyncio.gather(*(log_in_and_step(browser, hub, name, started, deadline,
                                                 artifacts_dir)
                                 for name in LEARNERS)),
                timeout=CLASS_TIMEOUT + 30)
            pages = dict(zip(LEARNERS, (page for page, _, _ in results)))
            seconds = dict(zip(LEARNERS, (usable for _, usable, _ in results)))
            reloads = dict(zip(LEARNERS, (count for _, _, count in results)))
            memory = {name: learner_memory(hub.server_pid(name)) for name in LEARNERS}
            memory["hub, proxy and culler"] = hub_memory(hub)
            await answer_practice_question(pages[LEARNERS[0]])
            return seconds, memory, reloads, pages[DEAF].saw_starting_page
        finally:
            await browser.close()


def attempts_of(name, homes):
    """The attempts in a learner's progress database ([] if they have none yet)."""
    path = progress_db_path(homes / name)
    return ProgressStore(path).attempts() if path.exists() else []


@pytest.fixture
def hub(tmp_path, artifacts_dir):
    state = tmp_path / "hub"
    state.mkdir()
    hub = Hub(state, artifacts_dir / "hub.log")
    try:
        hub.wait_until_up()
        yield hub
    finally:
        hub.stop()


def test_ten_learners_log_in_at_once_and_each_gets_their_own_dashboard(hub, artifacts_dir):
    seconds, memory, reloads, deaf_saw_starting_page = asyncio.run(run_class(hub, artifacts_dir))
    # Cut off from the hub's events, the starting page still sent the learner on by itself
    # (a page that only waits for the event would have needed the test's reload).
    assert reloads[DEAF] == 0, f"{DEAF}'s starting page never noticed the server was up"

    for name in LEARNERS:
        home = hub.homes / name
        assert all((home / item).exists() for item in COURSE_FILES), \
            f"{name}'s home lacks their copy of the course"
    practised = attempts_of(LEARNERS[0], hub.homes)
    assert [(a.exercise_id, a.passed) for a in practised] == [(PRACTICE[2], True)]
    for name in LEARNERS[1:]:
        assert attempts_of(name, hub.homes) == [], f"{name}'s progress changed"

    assert "Kernel died" not in hub.log(), "a learner's kernel died while starting"
    # Each starting page went on once: a second reload while the dashboard loads would have
    # rendered it twice and started a second kernel for that learner.
    for name in LEARNERS:
        renders = hub.log().count(f"200 GET /user/{name}/voila/render/app.ipynb")
        assert renders == 1, f"{name}'s dashboard was rendered {renders} times"
    guarded = hub.log().count("tutor.server guards active")
    assert guarded >= len(LEARNERS), "a learner's server runs without the server guards"

    server_pids = {name: hub.server_pid(name) for name in LEARNERS}
    learner_pids = processes_in(hub.homes)
    assert set(server_pids.values()) <= set(learner_pids)
    assert hub.stop_servers(LEARNERS) == [], "the hub did not stop every server"
    deadline = time.monotonic() + 30
    while processes_in(hub.homes) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert processes_in(hub.homes) == [], "a learner's process outlived its server"
    assert not any(alive(pid) for pid in learner_pids)

    # The teacher's report (make report) reads the class back from the hub's homes.
    report_of_the_class = read_class(hub.homes)
    assert [learner.name for learner in report_of_the_class.learners] == LEARNERS
    first, *others = report_of_the_class.learners
    assert (first.passed, first.lessons[1].passed) == (1, 1)
    assert all(learner.passed == 0 and not learner.problem for learner in others)

    report = {
        "learners": len(LEARNERS),
        "seconds_to_usable_dashboard": {name: round(value, 1) for name, value in seconds.items()},
        "tenth_learner_usable_after_s": round(max(seconds.values()), 1),
        "rss_mib_per_learner": memory,
        "reloads_of_the_starting_page": reloads,
        "deaf_learner_saw_the_starting_page": deaf_saw_starting_page,
        "load_average": os.getloadavg(),
    }
    (artifacts_dir / "hub-class.json").write_text(json.dumps(report, indent=2))
    totals = [memory[name]["total"] for name in LEARNERS]
    servers = [memory[name]["server"] for name in LEARNERS]
    print(f"\nhub: tenth learner usable after {report['tenth_learner_usable_after_s']} s; "
          f"RSS per learner {min(totals):.0f}–{max(totals):.0f} MiB (server alone "
          f"{min(servers):.0f}–{max(servers):.0f} MiB, the rest its kernel); hub, proxy and "
          f"culler {memory['hub, proxy and culler']:.0f} MiB; {sum(reloads.values())} "
          f"reloads of a stuck starting page; "
          f"load average {report['load_average'][0]:.1f}")


def dashboard_over_http(hub_url, name, timeout=300):
    """Log in as ``name`` (the trial login takes any name) and fetch their dashboard, as a
    browser would but without one: the dashboard's HTML."""
    import http.cookiejar
    import urllib.parse
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    browser.open(hub_url + "hub/login", timeout=60).read()
    xsrf = next(cookie.value for cookie in jar if cookie.name == "_xsrf")
    form = urllib.parse.urlencode({"username": name, "password": "", "_xsrf": xsrf})
    browser.open(hub_url + "hub/login?next=", data=form.encode(), timeout=timeout).read()
    return browser.open(hub_url + f"user/{name}/voila/render/app.ipynb",
                        timeout=timeout).read().decode()


def test_the_hub_stops_within_seconds_of_sigterm(hub):
    """The issue: with a learner's server running, the hub took 32 s to stop on SIGTERM
    (JupyterHub waits 10, 5 and 5 s on each server and service it stops)."""
    hub.api("POST", f"users/{LEARNERS[0]}")
    hub.api("POST", f"users/{LEARNERS[0]}/server")
    deadline = time.monotonic() + CLASS_TIMEOUT
    while not hub.ready(LEARNERS[0]):
        assert time.monotonic() < deadline, "the learner's server never started"
        time.sleep(0.5)
    assert '"kernelId"' in dashboard_over_http(hub.url, LEARNERS[0])   # a kernel is running
    family = [hub.process.pid, *child_pids(hub.process.pid)]
    assert len(family) >= 5, "expected the hub, its proxy, the culler, a server and a kernel"
    sent = time.monotonic()
    hub.process.send_signal(signal.SIGTERM)
    while any(alive(pid) for pid in family) and time.monotonic() - sent < 60:
        time.sleep(0.1)
    seconds = time.monotonic() - sent
    print(f"\nhub: everything gone {seconds:.1f} s after SIGTERM")
    assert not any(alive(pid) for pid in family), "a process outlived the hub"
    assert seconds < STOPPED_WITHIN, f"the hub took {seconds:.1f} s to stop"

