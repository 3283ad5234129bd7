"""The Train tab in headless Chromium, through ``python -m tutor.server`` (issue 26).

Play trains live (at least 40 iterations in 5 s, the loss falling) and Pause stops it; the
stepper then walks the chosen example's iteration to its last step, where a weight's
adjoint is ``tutor.autograd.grad`` of that example's loss to 1e-9; Reset and replay give the
same loss at iteration 10; axe finds nothing serious on the tab.
"""

import re

import pytest

from server_probes import cpu_seconds, kernel_pids
from test_browser import CHROMIUM, LOAD_TIMEOUT_MS, open_dashboard, own_errors
from train_page import PRESS_PLAY, STEPPER, WAIT, WATCH, changes, quiet
from tutor.autograd import grad
from tutor.notation import number_text, value_text
from tutor.train import Training, example_loss

pytestmark = pytest.mark.browser

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing (Debian: apt-get install chromium)",
                allow_module_level=True)
expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect

EXAMPLE = 7
def open_train(page, url):
    open_dashboard(page, url)
    page.locator(".lm-TabBar-tab", has_text="Train").click()
    expect(page.locator(".tutor-train-iteration")).to_have_text("0", timeout=LOAD_TIMEOUT_MS)
    expect(page.locator(f"{STEPPER} .tutor-status")).to_have_text("update 6/6")


def kernels_quiet(page, server, timeout_s=180):
    """Wait until the server's kernels are idle: Voila refills its pool of preheated kernels
    after a page takes one, and a kernel starting uses a CPU for seconds (the timed play
    would share the machine with it)."""
    for _ in range(int(timeout_s * 2)):
        pids = kernel_pids(server.pid)
        before = {pid: cpu_seconds(pid) for pid in pids}
        page.evaluate(WAIT, 500)
        used = 0.0
        for pid in pids:
            try:
                used += cpu_seconds(pid) - before[pid]
            except OSError:
                continue                                # it stopped meanwhile
        if used <= 0.03:
            return
    raise AssertionError("the kernels never went quiet")


def iteration(page):
    return int(page.locator(".tutor-train-iteration").inner_text())


def loss(page):
    return page.locator(".tutor-train-loss").inner_text()


def click_step(page, css_class, scope=STEPPER):
    status = page.locator(f"{scope} .tutor-status")
    before = status.inner_text()
    page.locator(f"{scope} .{css_class}").click()
    expect(status).not_to_have_text(before)
    return status.inner_text()


def test_play_learns_pause_stops_and_an_iteration_steps_down_to_grad(voila_server, page):
    open_train(page, voila_server.url)
    start = float(loss(page))
    page.locator(f'.tutor-train-point[data-example="{EXAMPLE}"]').click()
    expect(page.locator(".tutor-train-example-words")).to_contain_text(f"Example {EXAMPLE}:")
    kernels_quiet(page, voila_server)

    page.evaluate(WATCH)
    page.evaluate(PRESS_PLAY)                               # Play
    page.evaluate(WAIT, 5000)
    after_five = iteration(page)
    assert after_five >= 40, f"{after_five} iterations in 5 s"
    assert float(loss(page)) < start

    page.evaluate(WATCH)
    pressed = page.evaluate(PRESS_PLAY)                     # Pause
    expect(page.locator(".tutor-train-play")).to_have_attribute("aria-pressed", "false")
    quiet(page)
    late = [t - pressed for t, _ in changes(page)]
    assert len(late) <= 2                            # at most the two already asked for
    stopped = iteration(page)
    print(f"{after_five} iterations in 5 s; after Pause {len(late)} more arrived, the last "
          f"{max(late, default=0):.0f} ms after it")
    expect(page.locator(f"{STEPPER} .tutor-status")).to_have_text("update 6/6")

    # the stepper walks this iteration: forward, backward VJP by VJP, then the updates
    training = Training()
    for _ in range(stopped):
        training.step()
    recording = training.example_recording(EXAMPLE)
    forward, backward = len(recording.forward), len(recording.backward)
    click_step(page, "tutor-reset")
    statuses = [click_step(page, "tutor-step-forward")
                for _ in range(forward + backward + 6)]
    assert statuses[forward - 1] == f"forward {forward}/{forward}"
    assert statuses[forward:forward + backward] == [f"backward {i}/{backward}"
                                                    for i in range(1, backward + 1)]
    assert statuses[-1] == "update 6/6"
    expect(page.locator(f"{STEPPER} .tutor-step-forward")).to_be_disabled()
    expect(page.locator(f"{STEPPER} .tutor-step")).to_contain_text(
        "Update step 6 of 6. b3 moves against the batch gradient")

    # this example's adjoint of W1, read in the page, is grad of its loss
    function = example_loss("logistic", training.inputs[EXAMPLE], training.labels[EXAMPLE],
                            training.names)
    exact = grad(function, 0)(*[training.params[name] for name in training.names])
    expect(page.locator(f'{STEPPER} .tutor-node[data-node="0"] .tutor-node-body')
           ).to_contain_text(value_text(exact[0]))
    page.locator(".tutor-train-numbers summary").click()
    for row, (i, j) in (("W1[0,0]", (0, 0)), ("W1[1,3]", (1, 3))):
        cell = page.locator(f'.tutor-train-table tr[data-name="{row}"] .tutor-train-own')
        assert abs(float(cell.inner_text()) - exact[i, j]) < 1e-9
    # stepping back before the backward pass reaches W1 hides its adjoint again
    click_step(page, "tutor-reset")
    expect(page.locator('.tutor-train-table tr[data-name="W1[0,0]"] .tutor-train-own')
           ).to_have_text("?")
    assert not own_errors(page, voila_server.url), page.errors


def test_reset_and_replay_give_the_same_loss_at_iteration_10(voila_server, page):
    open_train(page, voila_server.url)
    page.locator(".tutor-train-play").click()
    expect(page.locator(".tutor-train-iteration")).to_have_text(re.compile(r"^[1-9]\d+$"))
    page.evaluate(WATCH)
    page.locator(".tutor-train-play").click()
    quiet(page)
    page.locator(".tutor-train-scrub input").evaluate(
        "slider => { slider.value = '10'; slider.dispatchEvent(new Event('input')); }")
    expect(page.locator(".tutor-train-iteration")).to_have_text("10")
    first = loss(page)

    page.locator(".tutor-train-reset").click()
    expect(page.locator(".tutor-train-iteration")).to_have_text("0")
    assert page.locator(".tutor-train-scrub input").get_attribute("max") == "0"
    for number in range(1, 11):
        page.locator(".tutor-train-step").click()
        expect(page.locator(".tutor-train-iteration")).to_have_text(str(number))
    assert loss(page) == first == number_text(_losses(10)[10])
    assert not own_errors(page, voila_server.url), page.errors


def _losses(iterations):
    training = Training()
    for _ in range(iterations):
        training.step()
    return training.losses


def test_the_train_tab_has_no_serious_accessibility_violations(voila_server, page):
    from test_accessibility import audit
    open_train(page, voila_server.url)
    page.locator(".tutor-train-step").click()
    expect(page.locator(".tutor-train-iteration")).to_have_text("1")
    page.locator(".tutor-train-numbers summary").click()
    assert audit(page, "Train", {}) == []
