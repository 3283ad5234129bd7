"""The dashboard for a learner who uses a keyboard or a screen reader, in headless Chromium.

axe-core (the standard accessibility engine, bundled by ``axe-playwright-python``) finds no
serious or critical violation on any tab, with the graph's nodes focusable and named; the
keyboard alone steps through the whole story and moves between nodes; the live region and
the graph's description say what each step shows. (The palette's contrast and colour-blind
checks need no browser: ``test_palette.py``.)
"""

import re

import pytest

from test_browser import CHROMIUM, open_dashboard, step

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
    # the graph's nodes are in the audit: focusable buttons with a name each
    nodes = page.locator(".tutor-graph .tutor-node")
    assert nodes.count() == 10
    assert nodes.evaluate_all("""nodes => nodes.every(n => n.getAttribute('role') === 'button'
        && n.getAttribute('aria-label') && n.hasAttribute('tabindex'))""")
    assert page.locator('.tutor-node[tabindex="0"]').count() == 1


def test_forward_mode_and_an_array_example_have_no_serious_violations(voila_server, page,
                                                                      report):
    open_dashboard(page, voila_server.url)
    page.locator(".tutor-mode select").select_option("forward (tangents)")
    expect(page.locator(".tutor-stepper-view")).to_have_attribute("data-mode", "forward")
    page.click(".tutor-to-end")                       # (End in the dropdown is the dropdown's)
    expect(page.locator(".tutor-live")).to_contain_text("its tangent ẋ is")
    assert audit(page, "Explore, forward mode", report) == []
    page.locator(".tutor-mode select").select_option("reverse (backward pass)")
    page.locator(".tutor-examples select").select_option(
        "A linear layer with tanh: sum(tanh(W @ x + b))")
    expect(page.locator(".tutor-expression input")).to_have_value("sum(tanh(W @ x + b))")
    expect(page.locator(".tutor-status")).to_have_text("forward 0/4")
    page.click(".tutor-to-end")
    expect(page.locator(".tutor-status")).to_have_text(re.compile(r"backward (\d+)/\1"))
    page.click(".tutor-step-back")
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
    expect(page.locator(".tutor-play")).to_have_attribute("aria-pressed", "false")
    assert page.locator(".tutor-status").inner_text() != "backward 9/9"


def test_space_plays_and_pauses(voila_server, page):
    open_dashboard(page, voila_server.url)
    page.locator(".tutor-speed input").focus()
    for _ in range(8):
        page.keyboard.press("ArrowRight")             # on the speed slider: faster, no step
    expect(page.locator(".tutor-speed output")).to_have_text("10")
    assert page.locator(".tutor-status").inner_text() == "forward 0/6"
    page.focus(".tutor-step-forward")
    page.keyboard.press(" ")                          # plays (does not press the button)
    expect(page.locator(".tutor-status")).to_have_text("backward 9/9", timeout=30_000)
    expect(page.locator(".tutor-play")).to_have_attribute("aria-pressed", "false")
    page.keyboard.press(" ")                          # from the end: plays from the start
    expect(page.locator(".tutor-status")).not_to_have_text("backward 9/9")
    expect(page.locator(".tutor-play")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press(" ")                          # pause: in the page, at once
    expect(page.locator(".tutor-play")).to_have_attribute("aria-pressed", "false")
    paused = page.locator(".tutor-status").inner_text()
    page.wait_for_timeout(600)
    assert page.locator(".tutor-status").inner_text() == paused != "backward 9/9"
    slider = page.locator(".tutor-slider input")
    k = int(slider.input_value())
    assert paused == (f"forward {k}/6" if k <= 6 else f"backward {k - 6}/9")
    # quiet while playing; paused, the live region says where the story stopped
    step_words = ("Start." if k == 0 else
                  paused.replace("forward", "Forward step").replace("backward", "Backward step")
                  .replace("/", " of ") + ".")
    expect(page.locator(".tutor-live")).to_contain_text(step_words)


def test_the_live_region_and_the_graphs_description_say_what_the_step_shows(voila_server,
                                                                             page):
    open_dashboard(page, voila_server.url)
    live = page.locator(".tutor-live[role=status][aria-live=polite]")
    expect(live).to_contain_text("Start. The graph of f has 10 nodes")
    page.keyboard.press("End")
    for _ in range(2):
        page.keyboard.press("ArrowLeft")
    expect(live).to_have_text(
        "Backward step 7 of 9. v6 (y ** 2) sends 4.0 to y through the VJP "
        "ḡ_v6 · v5 · v1**(v5−1); y's adjoint is now 5.0. Contributions add up: y already had "
        "1.0 from x · y.")
    expect(page.locator(".tutor-slider input")).to_have_attribute("aria-valuetext",
                                                                 "backward 7/9")
    graph = page.locator(".tutor-graph")
    assert graph.get_attribute("role") == "group" and graph.get_attribute("aria-label")
    description = page.locator(f"#{graph.get_attribute('aria-describedby')}")
    expect(description).to_have_text(live.inner_text())


def test_the_graphs_nodes_take_the_focus_and_the_arrow_keys_move_between_them(voila_server,
                                                                               page):
    open_dashboard(page, voila_server.url)
    page.keyboard.press("End")
    expect(page.locator(".tutor-status")).to_have_text("backward 9/9")
    page.locator('.tutor-node[tabindex="0"]').focus()
    focused = "document.activeElement.getAttribute('aria-label')"
    first = page.evaluate(focused)
    assert first.startswith("v3 = v0 ** v2 = 1.0; adjoint ḡ 1.0 after step 14")
    expect(page.locator(".tutor-node-card")).to_be_visible()        # its card, for the eye
    page.keyboard.press("ArrowLeft")                  # on a node the arrows move, not step
    assert page.evaluate(focused).startswith("v")
    assert page.evaluate(focused) != first
    assert page.locator(".tutor-status").inner_text() == "backward 9/9"
    page.keyboard.press("Enter")                      # go to the node's step, pin it
    expect(page.locator(".tutor-pinned")).to_be_visible()
    expect(page.locator(".tutor-status")).not_to_have_text("backward 9/9")


def test_every_control_can_be_reached_with_tab_and_shows_where_the_focus_is(voila_server, page):
    open_dashboard(page, voila_server.url)
    status_after(page, "ArrowRight", "forward 0/6")   # so that Reset and Back are enabled
    reached, rings = [], []
    for _ in range(45):
        page.keyboard.press("Tab")
        found = page.evaluate("""() => {
          const node = document.activeElement;
          const owner = node && node.closest('[class*="tutor-"]');
          const name = owner ? [...owner.classList].find(c => c.startsWith('tutor-')) : null;
          if (node && node.classList.contains('tutor-node')) {     // an SVG node: its ring
            const ring = getComputedStyle(node.querySelector('.tutor-node-ring'));
            return [name, 'solid ' + ring.strokeWidth];
          }
          const style = node ? getComputedStyle(node) : null;
          return [name, style ? style.outlineStyle + ' ' + style.outlineWidth : ''];
        }""")
        if found[0]:
            reached.append(found[0])
            rings.append(found[1])
    order = list(dict.fromkeys(reached))
    for control in ("tutor-expression", "tutor-values", "tutor-wrt", "tutor-reset",
                    "tutor-step-back", "tutor-step-forward", "tutor-to-end", "tutor-play",
                    "tutor-speed", "tutor-slider", "tutor-zoom-in", "tutor-node",
                    "tutor-listing", "tutor-table", "tutor-export-gif"):
        assert control in order, f"{control} is never reached with Tab: {order}"
    assert order.index("tutor-expression") < order.index("tutor-step-forward") < order.index(
        "tutor-slider") < order.index("tutor-node") < order.index("tutor-export-gif")
    assert all(ring.startswith("solid 3px") for ring in rings), rings
