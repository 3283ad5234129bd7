"""Every Jacobian pass stepped on the graph, in the browser (issue 21, item 3): an ℝ³ → ℝ³
function in reverse mode, one row at a time, the table filling as each pass ends."""

import pytest

from test_browser import enter, expect, open_dashboard, step

pytestmark = pytest.mark.browser


def test_rows_of_a_square_jacobian_are_stepped_in_reverse_mode(voila_server, page,
                                                               artifacts_dir):
    open_dashboard(page, voila_server.url)
    enter(page, "tutor-values", "x=[0.5, -1, 2]")
    enter(page, "tutor-expression", "sin(x) * x[0] + x")
    expect(page.locator(".tutor-shown")).to_contain_text("∂f[0]/∂x, reverse mode")
    expect(page.locator(".tutor-error")).to_contain_text("this one pulls back f[0]")
    expect(page.locator(".tutor-cost-summary")).to_contain_text(
        "n = m = 3: 3 passes either way; per pass, reverse mode costs more")
    table = page.locator(".tutor-jacobian")
    expect(table).to_contain_text("0 of 3 reverse passes done")

    page.click(".tutor-to-end")                         # row f[0], stepped to its end
    expect(page.locator(".tutor-gradient")).to_contain_text("∂f[0]/∂x = ")
    expect(table).to_contain_text("1 of 3 reverse passes done")

    page.locator(".tutor-direction select").select_option(label="pull back f[1]")   # the learner's row
    expect(page.locator(".tutor-gradient")).to_contain_text("∂f[1]/∂x = ?")
    assert step(page, "tutor-step-forward").startswith("forward 1/")
    page.click(".tutor-to-end")
    expect(table).to_contain_text("2 of 3 reverse passes done")
    expect(table.locator("tr", has_text="f[1]")).not_to_contain_text("?")
    expect(table.locator("tr", has_text="f[2]")).to_contain_text("?")

    page.click(".tutor-jacobian-pass")                  # the next pass: row f[2], on the graph
    expect(page.locator(".tutor-gradient")).to_contain_text("∂f[2]/∂x = ?")
    expect(page.locator(".tutor-direction select")).to_have_value("pull back f[2]")
    # the graph is the same shape as the pass before: its nodes are reused, and each must
    # now wear the look of step 0 of the new pass alone (not keep the old pass's colours)
    statuses = page.evaluate("""() => [...document.querySelectorAll('.tutor-graph .tutor-node')]
        .map(node => [...node.classList].filter(name => name.startsWith('tutor-status-')))""")
    assert statuses and all(len(classes) == 1 for classes in statuses), statuses
    assert {classes[0] for classes in statuses} <= {"tutor-status-pending",
                                                    "tutor-status-computed"}, statuses
    # the new pass's numbers make other boxes: the fitted view fits them again, so stepping
    # its forward pass never pans the graph away (the output node was cut off, then the
    # view swung 565 px to follow it)
    for _ in range(5):
        step(page, "tutor-step-forward")
    assert_every_node_in_the_frame(page)
    page.click(".tutor-to-end")
    expect(table).to_contain_text("3 of 3 reverse passes done")
    expect(table.locator("tbody")).not_to_contain_text("?")
    page.screenshot(path=str(artifacts_dir / "jacobian-rows-reverse.png"), full_page=True)
    assert not [error for error in page.errors if error.kind == "uncaught"], page.errors


def assert_every_node_in_the_frame(page):
    frame = page.locator(".tutor-graph-frame").evaluate(
        "frame => { const r = frame.getBoundingClientRect(); "
        "return [r.left, r.top, r.right, r.bottom]; }")
    boxes = page.locator(".tutor-node .tutor-node-box").evaluate_all(
        "boxes => boxes.map(box => { const r = box.getBoundingClientRect(); "
        "return [r.left, r.top, r.right, r.bottom]; })")
    left, top, right, bottom = frame
    assert boxes and all(left <= box[0] and box[2] <= right + 0.5 and top <= box[1]
                         and box[3] <= bottom + 0.5 for box in boxes), (frame, boxes)
