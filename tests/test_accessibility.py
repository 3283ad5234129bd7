"""The dashboard for a learner who uses a keyboard or a screen reader, in headless Chromium.

axe-core (the standard accessibility engine, bundled by ``axe-playwright-python``) finds no
serious or critical violation on any tab; the keyboard alone steps through the whole story;
the live region and the graph's alternative text say what each step shows. (The palette's
contrast and colour-blind checks need no browser: ``test_palette.py``.)
"""

import re

import pytest

from test_browser import CHROMIUM, GRAPH_LOADED, STATUS, open_dashboard, step

pytestmark = pytest.mark.browser

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing (Debian: apt-get install chromium)",
                allow_module_level=True)
expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect
Axe = pytest.importorskip("axe_playwright_python.sync_playwright",
                          reason="axe-playwright-python is not installed").Axe

BLOCKING = ("serious", "critical")


def audit(page, label, report):
    """Run axe on the page; record the counts per impact in ``report``; return the
    serious and critical violations, each as ``rule: how many nodes (first target)``."""
    violations = Axe().run(page).response["violations"]
    counts = {}
    for violation in violations:
        counts[violation["impact"]] = counts.get(violation["impact"], 0) + len(
            violation["nodes"])
    report[label] = counts
    print(f"axe on {label}: {counts or 'no violations'}")
    for violation in violations:
        print(f"  {violation['impact']}: {violation['id']} x{len(violation['nodes'])}")
        for node in violation["nodes"]:
            print(f"     {node['target']} {node['failureSummary'][:200]!r}")
    return [f"{v['id']}: {len(v['nodes'])} nodes ({v['nodes'][0]['target']})"
            for v in violations if v["impact"] in BLOCKING]


@pytest.fixture(scope="module")
def report():
    counts = {}
    yield counts
    print("axe violations by impact (nodes):", counts)


def open_tab(page, title):
    page.locator(".lm-TabBar-tab", has_text=title).click()


def test_explore_has_no_serious_violations_at_start_and_in_the_backward_pass(
        voila_server, page, report):
    open_dashboard(page, voila_server.url)
    assert audit(page, "Explore, start", report) == []
    page.click(".tutor-to-end")
    expect(page.locator(".tutor-gradient")).to_contain_text("∂f/∂x = 4")
    for _ in range(3):
        step(page, "tutor-step-back")            # into the middle of the backward pass
    assert page.locator(".tutor-status").inner_text().startswith("backward")
    assert audit(page, "Explore, backward pass", report) == []
    # not even a moderate or minor one (the cost panel's Jacobian table names its corner)
    assert report["Explore, start"] == report["Explore, backward pass"] == {}


def test_forward_mode_and_an_array_example_have_no_serious_violations(voila_server, page,
                                                                      report):
    open_dashboard(page, voila_server.url)
    page.locator(".tutor-mode select").select_option("forward (tangents)")
    expect(page.locator(".tutor-status")).to_have_text("forward 0/6")
    page.keyboard.press("End")
    expect(page.locator(".tutor-live")).to_contain_text("its tangent ẋ is")
    assert audit(page, "Explore, forward mode", report) == []
    page.locator(".tutor-mode select").select_option("reverse (backward pass)")
    page.locator(".tutor-examples select").select_option(
        "A linear layer with tanh: sum(tanh(W @ x + b))")
    expect(page.locator(".tutor-expression input")).to_have_value("sum(tanh(W @ x + b))")
    page.keyboard.press("End")
    expect(page.locator(".tutor-status")).to_have_text(re.compile(r"backward (\d+)/\1"))
    page.keyboard.press("ArrowLeft")
    assert audit(page, "Explore, arrays", report) == []
    assert report["Explore, forward mode"] == report["Explore, arrays"] == {}


def test_practice_and_progress_have_no_serious_violations(voila_server, page, report):
    open_dashboard(page, voila_server.url)
    open_tab(page, "Practice")
    expect(page.locator(".tutor-practice")).to_be_visible(timeout=30_000)
    assert audit(page, "Practice", report) == []
    practice = page.locator(".tutor-practice")
    text_answer = practice.locator(".tutor-exercise-answer input")
    if text_answer.count():
        text_answer.first.fill("12345")
        text_answer.first.press("Enter")
    else:
        practice.locator(".tutor-exercise-answer input[type=radio]").first.check()
    practice.locator(".tutor-exercise-check").first.click()
    expect(practice.locator(".tutor-exercise-feedback").first).not_to_have_text("")
    practice.locator(".tutor-exercise-hint").first.click()
    expect(practice.locator(".tutor-exercise-hints").first).not_to_have_text("")
    assert audit(page, "Practice, after an answer and a hint", report) == []
    open_tab(page, "Progress")
    expect(page.locator(".tutor-progress")).to_be_visible(timeout=30_000)
    assert audit(page, "Progress", report) == []


def status_after(page, key, old):
    page.keyboard.press(key)
    expect(page.locator(".tutor-status")).not_to_have_text(old)
    return page.locator(".tutor-status").inner_text()


def test_the_keyboard_alone_steps_through_the_story(voila_server, page):
    open_dashboard(page, voila_server.url)
    status = page.locator(".tutor-status").inner_text()
    assert status == "forward 0/6"
    seen = []
    for key in ["ArrowRight", "ArrowRight", "ArrowRight", "ArrowLeft", "End", "Home"]:
        status = status_after(page, key, status)
        seen.append(status)
    assert seen == ["forward 1/6", "forward 2/6", "forward 3/6", "forward 2/6",
                    "backward 9/9", "forward 0/6"]


def test_keys_work_from_a_focused_button_but_not_while_typing(voila_server, page):
    open_dashboard(page, voila_server.url)
    page.focus(".tutor-to-end")                       # focus on a button, as Tab leaves it
    assert status_after(page, "ArrowRight", "forward 0/6") == "forward 1/6"
    box = page.locator(".tutor-expression input")
    box.focus()
    page.keyboard.press("End")                        # moves the text cursor, not the step
    page.keyboard.press("ArrowLeft")
    page.keyboard.type("2*")
    page.wait_for_timeout(500)
    assert page.locator(".tutor-status").inner_text() == "forward 1/6"
    assert box.input_value().endswith("x*2*y")


def test_space_on_a_focused_button_plays_instead_of_pressing_it(voila_server, page):
    open_dashboard(page, voila_server.url)
    page.focus(".tutor-to-end")
    page.keyboard.press(" ")                          # play (2 steps a second), not End
    expect(page.locator(".tutor-status")).not_to_have_text("forward 0/6")
    page.keyboard.press(" ")                          # pause
    page.wait_for_timeout(500)
    assert page.locator(".tutor-status").inner_text() != "backward 9/9"


def test_space_plays_and_pauses(voila_server, page):
    open_dashboard(page, voila_server.url)
    page.locator(".tutor-speed [role=slider]").focus()
    for _ in range(8):
        page.keyboard.press("ArrowRight")             # on the speed slider: faster, no step
    assert page.locator(".tutor-status").inner_text() == "forward 0/6"
    page.focus(".tutor-step-forward")
    page.keyboard.press(" ")                          # plays (does not press the button)
    expect(page.locator(".tutor-status")).to_have_text("backward 9/9", timeout=30_000)
    page.keyboard.press(" ")                          # from the end: plays from the start
    expect(page.locator(".tutor-status")).not_to_have_text("backward 9/9")
    # playing again in the page too (its button offers ⏸), so the next Space is a pause
    expect(page.locator(".tutor-play i.fa-pause")).to_have_count(1, timeout=30_000)
    page.keyboard.press(" ")                          # pause
    # The pause travels to the kernel and back; under load the page's Play may tick a few
    # more times first, and the kernel catches up with those ticks after the pause. So:
    # wait until the page's Play shows it is paused (its button offers ▶ again), then the
    # status must settle on the step the page's slider stopped at, and stay there.
    expect(page.locator(".tutor-play i.fa-play")).to_have_count(1, timeout=30_000)
    slider = page.locator(".tutor-slider [role=slider]")
    stopped_at = round(float(slider.get_attribute("aria-valuenow")))
    paused = (f"forward {stopped_at}/6" if stopped_at <= 6 else
              f"backward {stopped_at - 6}/9")
    status = page.locator(".tutor-status")
    expect(status).to_have_text(paused, timeout=30_000)
    page.wait_for_timeout(1_000)
    assert status.inner_text() == paused != "backward 9/9", "Space did not pause"
    assert round(float(slider.get_attribute("aria-valuenow"))) == stopped_at, \
        "the page kept stepping after the pause"
    # quiet while playing; paused, the live region says where the story stopped
    step_words = ("Start:" if paused.startswith("forward 0/") else
                  paused.replace("forward", "Forward step").replace("backward", "Backward step")
                  .replace("/", " of "))
    expect(page.locator(".tutor-live")).to_contain_text(step_words)


def test_the_live_region_and_the_graphs_alt_text_say_what_the_step_shows(voila_server, page):
    open_dashboard(page, voila_server.url)
    live = page.locator(".tutor-live[role=status][aria-live=polite]")
    expect(live).to_contain_text("Start: the graph of f has 10 nodes")
    page.keyboard.press("End")
    for _ in range(2):
        page.keyboard.press("ArrowLeft")
    expect(live).to_have_text("Backward step 7 of 9: v6 (y ** 2) sends 4.0 to y; y's adjoint is "
                              "now 5.0, after 1.0 from x · y.")
    handle = page.locator(".tutor-slider [role=slider]")
    expect(handle).to_have_attribute("aria-valuetext", "backward 7/9")
    first_strip = page.locator(".tutor-graph img").first
    expect(first_strip).to_have_attribute("alt", live.inner_text())
    others = page.locator(".tutor-graph img").evaluate_all("images => images.slice(1).map(i => i.alt)")
    assert set(others) <= {""}                        # one picture in strips: described once


def test_every_control_can_be_reached_with_tab_and_shows_where_the_focus_is(voila_server, page):
    open_dashboard(page, voila_server.url)
    status_after(page, "ArrowRight", "forward 0/6")   # so that Reset and Back are enabled
    reached, rings = [], []
    for _ in range(40):
        page.keyboard.press("Tab")
        found = page.evaluate("""() => {
          const node = document.activeElement;
          const owner = node && node.closest('[class*="tutor-"]');
          const name = owner ? [...owner.classList].find(c => c.startsWith('tutor-')) : null;
          const style = node ? getComputedStyle(node) : null;
          return [name, style ? style.outlineStyle + ' ' + style.outlineWidth : ''];
        }""")
        if found[0]:
            reached.append(found[0])
            rings.append(found[1])
    order = list(dict.fromkeys(reached))
    for control in ("tutor-expression", "tutor-values", "tutor-wrt", "tutor-reset",
                    "tutor-step-back", "tutor-step-forward", "tutor-to-end", "tutor-play",
                    "tutor-speed", "tutor-slider", "tutor-export-gif"):
        assert control in order, f"{control} is never reached with Tab: {order}"
    assert order.index("tutor-expression") < order.index("tutor-step-forward") < order.index(
        "tutor-slider") < order.index("tutor-export-gif")
    assert all(ring.startswith("solid 3px") for ring in rings), rings
