"""The one Markdown renderer: safe HTML, only the rules we use, line numbers, splitting."""

from __future__ import annotations

import re

import pytest

from consult.core.markdown import (
    LINE_MARKER,
    MarkdownError,
    number_lines,
    plain_text,
    render_block,
    render_comment,
    split_blocks,
)


def test_raw_html_is_escaped():
    html = render_block('Text <script>alert("x")</script> und <img src=x onerror=alert(1)>').html
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
        "vbscript:msgbox(1)",
        "//evil.example/x",
    ],
)
def test_unsafe_links_are_dropped(url):
    html = render_block(f"Ein [Link]({url}) im Text.").html
    assert "<a" not in html
    assert "href" not in html


@pytest.mark.parametrize("url", ["https://bundeskonferenz.example/", "mailto:info@example.org", "/drafts/x"])
def test_safe_links_stay(url):
    rel = (
        "" if url.startswith("/") else (' rel="nofollow noopener ugc"')
    )  # links out of the site say they are user links
    assert f'<a href="{url}"{rel}>Link</a>' in render_block(f"Ein [Link]({url}).").html


def test_images_and_html_blocks_are_not_rendered():
    html = render_block("![Bild](https://example.org/a.png)").html
    assert "<img" not in html


def test_length_cap_and_empty_text():
    with pytest.raises(MarkdownError):
        render_block("x" * 101, max_length=100)
    with pytest.raises(MarkdownError):
        render_block("   \n ")


def test_each_line_starts_with_a_marker_and_long_text_wraps_at_80():
    words = "Teilhabe " * 30  # 270 characters
    rendered = render_block(words.strip())
    assert rendered.line_count == 4
    assert rendered.html.count(LINE_MARKER) == 4
    lines = rendered.html.split(LINE_MARKER)[1:]
    for line in lines:
        visible = line.replace("<br>", "").replace("</p>", "").strip()
        assert len(visible) <= 80


def test_the_writers_own_line_break_is_marked_and_the_wrapping_breaks_are_not():
    """Phones let the 80-character lines flow together by hiding the wrapping <br>s (static/css/consult.css);
    a break the writer made (two spaces at the end of a line) must stay, so it carries its own class."""
    html = render_block("Anschrift:  \nBundeskonferenz, Berlin " + "Teilhabe " * 20).html
    assert html.count('<br class="br-hard">') == 1
    assert html.index('<br class="br-hard">') < html.index("Bundeskonferenz")
    assert html.count("<br>") == 2  # the 180 characters after it wrap twice, unmarked
    assert html.count(LINE_MARKER) == 4


def test_number_lines_numbers_each_marker_from_the_first_line_on():
    rendered = render_block(("Teilhabe " * 30).strip())
    numbered = number_lines(rendered.html, 17)
    assert numbered.count(LINE_MARKER) == 0
    assert [int(n) for n in re.findall(r'<span class="ln" aria-hidden="true" data-line="(\d+)"></span>', numbered)] == [
        17,
        18,
        19,
        20,
    ]
    assert numbered.replace(' data-line="', "").count("Teilhabe") == 30
    assert "data-line" not in number_lines(render_comment("Ein *Kommentar*"), 1)


def test_markup_is_not_broken_by_wrapping():
    text = "Wir fordern " + "eine *verbindliche* und [gut finanzierte](https://example.org) Teilhabe " * 5
    html = render_block(text).html
    assert html.count("<em>") == html.count("</em>") == 5
    assert html.count('<a href="https://example.org" rel="nofollow noopener ugc">') == 5


def test_table_row_is_one_line_and_heading_is_one_line():
    assert render_block("| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |").line_count == 3
    assert render_block("## Ziele").line_count == 1


def test_list_items_each_start_a_line():
    assert render_block("- eins\n- zwei\n- drei").line_count == 3


def test_comment_renderer_allows_only_emphasis_links_and_lists():
    html = render_comment("# Kopf\n\n*betont* [x](javascript:1) <b>fett</b>\n\n- a\n- b")
    assert "<h1>" not in html and "<b>" not in html and "javascript" in html and "<a" not in html
    assert "<em>betont</em>" in html and "<li>a</li>" in html


def test_split_blocks_keeps_each_top_level_block_in_order():
    document = "\n".join(
        [
            "# Titel",
            "",
            "Erster Absatz,",
            "zweite Zeile.",
            "",
            "- eins",
            "- zwei",
            "",
            "> Zitat",
            "",
            "| a | b |",
            "|---|---|",
            "| 1 | 2 |",
            "",
            "1. erstens",
            "2. zweitens",
            "",
            "---",
            "",
            "Letzter Absatz.",
        ]
    )
    assert split_blocks(document) == [
        "# Titel",
        "Erster Absatz,\nzweite Zeile.",
        "- eins\n- zwei",
        "> Zitat",
        "| a | b |\n|---|---|\n| 1 | 2 |",
        "1. erstens\n2. zweitens",
        "Letzter Absatz.",
    ]


def test_plain_text_drops_marks_and_urls():
    assert plain_text("Ein **fetter** [Link](https://x.example) und\nmehr") == "Ein fetter Link und mehr"


def test_plain_text_reads_like_the_page_one_space_between_words_and_blocks():
    assert plain_text("- erstens\n- zweitens\n\n  und  drittens") == "erstens zweitens und drittens"
