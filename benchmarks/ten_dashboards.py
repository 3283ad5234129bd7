"""A class at once: ten dashboards opened together on one Voila server, stepping together.

Run from anywhere:  .venv/bin/python benchmarks/ten_dashboards.py  [--pages 10] [--steps 100]

Voila gives every open page a kernel of its own (a Python process that imported ``tutor``
and built the dashboard), so a class of N learners costs N kernels, plus the pool of
preheated kernels waiting for the next learner (``voila.json``). This script opens
``--pages`` pages in headless Chromium at the same moment and waits until each one's stepper
is usable. Then every page steps ``--steps`` times at once (a click every 250 ms, the whole
class clicking together): each step is timed in its page, click to new status, and each
page's kernel's CPU time is read before and after. The stepper steps in the page (issue 19),
so the kernels should hardly work: their CPU time per 100 steps is printed (target: near 0;
the step median's target is 30 ms), beside their CPU time while the pages sat idle for as
long just before (what a kernel costs anyway). Then it reads each kernel's memory from
``/proc``:

* **RSS**: resident memory, counting shared library pages in full for every process;
* **PSS**: proportional share, where a page shared by k processes counts 1/k to each. The
  sum of PSS over all kernels is what they really take from the machine;
* **USS**: memory private to that kernel, freed when it exits: the cost of one more learner.
"""

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dashboard_latency import (  # noqa: E402  (the script's own folder, put on the path above)
    CHROMIUM, CHROMIUM_ARGS, DASHBOARD, REPO, TIMEOUT_MS, USABLE_OBSERVER, Voila)
from server_probes import cpu_seconds  # noqa: E402
from voila_server import child_pids as kernel_pids  # noqa: E402

STEP_TARGET_MS = 30.0
GAP_MS = 250                # between one page's clicks: a quick learner, four steps a second
# Started in every page at once: `steps` mouse clicks (press, release, click) on
# step-forward, one every `gap` ms, each timed to the new status text (Reset, when the end
# is reached, is not timed). The times go to window.__stepTimes when all are done.
STEPPING = """
([steps, gap]) => {
  const status = () => document.querySelector('.tutor-status').textContent;
  const forward = document.querySelector('.tutor-step-forward');
  const pause = () => new Promise(resolve => setTimeout(resolve, gap));
  const one = () => new Promise(resolve => {
    const before = status();
    const started = performance.now();
    const observer = new MutationObserver(() => {
      if (status() === before) return;
      observer.disconnect();
      resolve(performance.now() - started);
    });
    observer.observe(document.body, {subtree: true, childList: true, characterData: true});
    // the events of a mouse click: the page may act on the press as well as on the click
    for (const name of ['pointerdown', 'mousedown', 'pointerup', 'mouseup']) {
      const Event = name.startsWith('pointer') ? PointerEvent : MouseEvent;
      forward.dispatchEvent(new Event(name, {bubbles: true, cancelable: true}));
    }
    forward.click();
  });
  (async () => {
    const times = [];
    while (times.length < steps) {
      if (forward.disabled) document.querySelector('.tutor-reset').click();
      else times.push(await one());
      await pause();
    }
    window.__stepTimes = times;
  })();
}
"""

KERNEL_REQUEST = re.compile(r"/api/kernels/([0-9a-f-]{36})")


def memory_kib(pid):
    """(RSS, PSS, USS) of process ``pid`` in KiB, read from ``/proc``."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0])
    uss = fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)
    return fields["Rss"], fields["Pss"], uss


def kernel_processes(voila_pid):
    """{kernel id: pid} for the kernels a Voila server started (ids from their command line)."""
    kernels = {}
    for pid in kernel_pids(voila_pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
        except OSError:
            continue
        if "kernel_launcher" not in " ".join(command):   # ipykernel's, or tutor.server's
            continue
        match = re.search(r"kernel-([0-9a-f-]{36})\.json", " ".join(command))
        if match:
            kernels[match.group(1)] = pid
    return kernels


def mib(kib):
    return kib / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10, help="dashboards opened at once")
    parser.add_argument("--steps", type=int, default=100, help="steps each page takes")
    parser.add_argument("--notebook", default=DASHBOARD,
                        help="notebook to serve (default: the dashboard)")
    parser.add_argument("--timeout", type=float, default=180,
                        help="seconds for all pages together to become usable")
    options = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing (apt-get install chromium); this benchmark never "
                 "downloads a browser")
    if not (REPO / options.notebook).exists():
        sys.exit(f"{options.notebook} is missing: nothing to serve")
    from playwright.sync_api import sync_playwright

    with Voila(options.notebook) as server, sync_playwright() as playwright:
        server.wait_pool_full(0)
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        pages, kernel_of = [], {}
        started = time.monotonic()
        for number in range(options.pages):
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.add_init_script(USABLE_OBSERVER)

            def remember(request, number=number):
                match = KERNEL_REQUEST.search(request.url)
                if match:
                    kernel_of.setdefault(number, match.group(1))
            page.on("request", remember)
            page.goto(server.url, wait_until="commit")  # all navigations start together
            pages.append(page)

        results = []
        deadline = time.monotonic() + options.timeout
        for number, page in enumerate(pages):
            row = {"page": number + 1}
            try:
                left_ms = max(1000, (deadline - time.monotonic()) * 1000)
                page.wait_for_function("window.__usableAt !== undefined", timeout=left_ms)
                row["open_ms"] = page.evaluate("window.__usableAt")
                row["html_ms"] = page.evaluate(
                    "performance.getEntriesByType('navigation')[0].responseEnd")
            except Exception as error:  # report every page, even one that failed
                row["error"] = str(error).splitlines()[0]
            results.append(row)
        opened = time.monotonic() - started

        # each kernel's CPU time while its page sits idle for as long as the steps will take
        # (what a kernel costs anyway), then while every page steps at once
        kernels = kernel_processes(server.process.pid)
        pid_of = {number: kernels.get(kernel_of.get(number)) for number in range(len(pages))}
        cpu_before = {number: cpu_seconds(pid) for number, pid in pid_of.items() if pid}
        time.sleep(options.steps * GAP_MS / 1000)
        for number, pid in pid_of.items():
            if pid:
                now = cpu_seconds(pid)
                results[number]["idle_cpu_s"] = now - cpu_before[number]
                cpu_before[number] = now
        for row, page in zip(results, pages):
            if "error" not in row:
                page.evaluate(STEPPING, [options.steps, GAP_MS])
        for number, (row, page) in enumerate(zip(results, pages)):
            if "error" in row:
                continue
            try:
                page.wait_for_function("window.__stepTimes !== undefined",
                                       timeout=options.steps * (GAP_MS + 1000))
                row["steps_ms"] = page.evaluate("window.__stepTimes")
                if pid_of.get(number):
                    row["cpu_s"] = cpu_seconds(pid_of[number]) - cpu_before[number]
            except Exception as error:  # report every page, even one that failed
                row["error"] = str(error).splitlines()[0]
        wall = time.monotonic() - started

        memory = {kernel_id: memory_kib(pid) for kernel_id, pid in kernels.items()}
        server_rss = memory_kib(server.process.pid)[0]
        warnings = [line for line in server.log().splitlines() if "WARNING" in line
                    and "not trusted" not in line and "without encryption" not in line]
        browser.close()

    ok = [row for row in results if row.get("steps_ms")]
    print(f"{options.pages} pages of {options.notebook} opened at once on one Voila server "
          f"({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}); all usable in "
          f"{opened:.1f} s, all done in {wall:.1f} s")
    print(f"html: the server finished sending the page (kernel started, notebook run); open: "
          f"the stepper is usable in the browser; then every page stepped {options.steps} "
          f"times at once: step median and 90th percentile (click to new status), and its "
          f"kernel's CPU time per 100 steps (CPU) beside its CPU time while the page sat idle "
          f"for as long (idle)")
    print(f"{'page':>4} {'html ms':>8} {'open ms':>8} {'step ms':>8} {'p90 ms':>7} "
          f"{'CPU ms':>7} {'idle ms':>7}  kernel      RSS MiB  PSS MiB  USS MiB")
    for row in results:
        kernel_id = kernel_of.get(row["page"] - 1, "")
        rss, pss, uss = memory.get(kernel_id, (0, 0, 0))
        if "error" in row:
            print(f"{row['page']:>4}  FAILED: {row['error']}")
            continue
        times = sorted(row["steps_ms"])
        cpu, idle = row.get("cpu_s"), row.get("idle_cpu_s")
        cpu_text = (" ".join(f"{seconds * 1e5 / len(times):>7.0f}" for seconds in (cpu, idle))
                    if cpu is not None else f"{'?':>7} {'?':>7}")   # ms per 100 steps
        print(f"{row['page']:>4} {row['html_ms']:>8.0f} {row['open_ms']:>8.0f} "
              f"{statistics.median(times):>8.1f} {times[int(0.9 * (len(times) - 1))]:>7.1f} "
              f"{cpu_text}  "
              f"{kernel_id[:8]:<9} {mib(rss):>8.1f} {mib(pss):>8.1f} {mib(uss):>8.1f}")
    if ok:
        every = sorted(time_ms for row in ok for time_ms in row["steps_ms"])
        step_median = statistics.median(every)
        cpus = [row["cpu_s"] * 100 / len(row["steps_ms"]) for row in ok if "cpu_s" in row]
        idles = [row["idle_cpu_s"] * 100 / len(row["steps_ms"]) for row in ok if "cpu_s" in row]
        print(f"all pages: step median {step_median:.1f} ms, 90th percentile "
              f"{every[int(0.9 * (len(every) - 1))]:.1f} ms (target {STEP_TARGET_MS:.0f} ms): "
              + ("ok" if step_median <= STEP_TARGET_MS else "OVER TARGET")
              + (f"; kernel CPU per 100 steps: median {statistics.median(cpus) * 1000:.0f} ms, "
                 f"most {max(cpus) * 1000:.0f} ms (idle for as long: median "
                 f"{statistics.median(idles) * 1000:.0f} ms)" if cpus else ""))
    used = [memory[kernel_of[n]] for n in range(options.pages)
            if kernel_of.get(n) in memory]
    pooled = [value for kernel_id, value in memory.items()
              if kernel_id not in set(kernel_of.values())]
    print(f"{len(ok)}/{options.pages} pages loaded and stepped.")
    if used:
        print("per page kernel: median RSS {:.1f} MiB, PSS {:.1f} MiB, USS {:.1f} MiB".format(
            *(mib(statistics.median(column)) for column in zip(*used))))
        print("all {} kernels (incl. {} preheated, waiting): total PSS {:.0f} MiB; "
              "Voila server RSS {:.0f} MiB".format(
                  len(memory), len(pooled), mib(sum(value[1] for value in memory.values())),
                  mib(server_rss)))
    for line in warnings:
        print("Voila:", line)
    if len(ok) < options.pages:
        sys.exit(1)


if __name__ == "__main__":
    main()
