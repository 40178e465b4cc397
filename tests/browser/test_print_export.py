"""The HTML export opened in Chromium: the appendix is laid out like the PDF's page (issue 14, point 3).

Each amendment's heading starts at the left edge of its section, below everything of the amendment
before it; a floated label once let a heading slide into the previous amendment's value column.
"""

from __future__ import annotations

import pytest

from consult.exports.document import build_document
from consult.exports.formats import FORMATS
from tests.exports.print_drafts import shaped_draft

pytestmark = pytest.mark.browser


def test_the_html_exports_appendix_keeps_headings_below_and_left_of_the_values(app, page, screenshot_dir):
    shaped = shaped_draft(app)
    with app.test_request_context():
        html = FORMATS["html"].write(build_document(shaped.draft)).decode("utf-8")
    page.set_viewport_size({"width": 1000, "height": 900})
    page.set_content(html)
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / "html-export.png"), full_page=True)
    amendments = page.locator("section.amendment")
    count = amendments.count()
    assert count >= 6
    previous_bottom = None
    for index in range(count):
        section = amendments.nth(index)
        heading = section.locator(":scope > :first-child").bounding_box()
        box = section.bounding_box()
        assert abs(heading["x"] - box["x"]) < 1, f"amendment {index}: heading indented into a value column"
        if previous_bottom is not None:
            assert heading["y"] >= previous_bottom - 1, f"amendment {index}: heading beside the previous amendment"
        values = section.locator("dd")
        labels = section.locator("dt")
        assert values.count() == labels.count() > 0
        for row in range(labels.count()):
            label, value = labels.nth(row).bounding_box(), values.nth(row).bounding_box()
            assert label["x"] < value["x"] and abs(label["y"] - value["y"]) < 2  # side by side, one row each
        last = values.nth(values.count() - 1).bounding_box()
        previous_bottom = max(last["y"] + last["height"], box["y"] + box["height"])
    # The stylesheet applied: its hash in the file's own Content-Security-Policy matches.
    assert page.locator(".appendix dl").first.evaluate("dl => getComputedStyle(dl).display") == "grid"
