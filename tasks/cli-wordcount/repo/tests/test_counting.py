from textstat import Counts, count_text


def test_counts_simple_text():
    assert count_text("one two three\n") == Counts(lines=1, words=3, chars=14)


def test_empty_text():
    assert count_text("") == Counts(0, 0, 0)


def test_words_separated_by_any_whitespace():
    assert count_text("hello  world\n").words == 2
    assert count_text("a\tb").words == 2
    assert count_text("one\ntwo").words == 2
    assert count_text("end \n").words == 1
    assert count_text("  lead\n\ntrail  \n").words == 2
