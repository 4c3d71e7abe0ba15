"""The page shell: escaping, folding, a page that forbids every request, writes that leave
nothing partial."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from devagent.pages.blocks import card, pct, section, table
from devagent.pages.shell import Markup, excerpt, fold, page, tag, write_page


def test_text_is_escaped_and_markup_is_not() -> None:
    html = tag("p", "<script>alert(1)</script>", title='say "hi"', cls="x")
    assert html == '<p title="say &#34;hi&#34;" class="x">&lt;script&gt;alert(1)&lt;/script&gt;</p>'
    assert tag("div", Markup("<b>ok</b>")) == "<div><b>ok</b></div>"


def test_fold_is_a_details_block_open_only_when_asked() -> None:
    assert fold("more", "x") == "<details><summary>more</summary>x</details>"
    assert fold("more", "x", is_open=True).startswith("<details open>")


def test_a_long_text_shows_its_start_and_folds_the_whole() -> None:
    text = "\n".join(f"line {i}" for i in range(100))
    html = excerpt(text)
    assert html.startswith("<pre>line 0\n") and "line 11 …</pre>" in html
    assert "<summary>whole output (100 lines" in html and "line 99" in html
    assert excerpt("short") == "<pre>short</pre>"


def test_the_page_is_one_file_that_forbids_every_request() -> None:
    html = page("a <title>", Markup("<p>body</p>"))
    assert "<title>a &lt;title&gt;</title>" in html
    assert "default-src 'none'" in html and "<style>" in html
    assert "<link" not in html and "src=" not in html


def test_a_page_that_cannot_be_written_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.symlink_to("/dev/full")
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full (Linux)")
    with pytest.raises(OSError) as raised:
        write_page(target, "t", "body")
    assert raised.value.errno == errno.ENOSPC
    assert not target.exists() and not target.is_symlink()


def test_the_folded_whole_of_a_huge_text_is_cut_with_a_pointer() -> None:
    html = excerpt("x" * 50_000)
    assert "… 30,000 more characters in trajectory.jsonl" in html
    assert len(html) < 21_000


def test_bench_blocks_escape_text_and_keep_markup() -> None:
    html = table(["a<b", "n"], [[Markup("<i>x</i>"), "1 < 2"]], numeric=frozenset({1}))
    assert html == (
        '<table><thead><tr><th>a&lt;b</th><th class="num">n</th></tr></thead><tbody>\n'
        '<tr><td><i>x</i></td><td class="num">1 &lt; 2</td></tr>\n</tbody></table>'
    )
    assert card("1 & 2", "<n>") == '<div class="card"><b>1 &amp; 2</b><span>&lt;n&gt;</span></div>'
    assert section("s", "H", Markup("<p>x</p>")) == '<section id="s"><h2>H</h2><p>x</p></section>'
    assert pct(0.625) == "62.5%"
