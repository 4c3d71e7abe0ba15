import pytest

from envfile import EnvSyntaxError, parse


def test_basic_pairs():
    assert parse("A=1\nB = two\n") == {"A": "1", "B": "two"}


def test_full_line_comments_and_blanks():
    assert parse("# header\n\n  # indented\nA=1\n") == {"A": "1"}


def test_quoted_values():
    env = parse("A='single $x'\nB=\"line\\nnext\"\nC=\"say \\\"hi\\\"\"\n")
    assert env == {"A": "single $x", "B": "line\nnext", "C": 'say "hi"'}


def test_export_prefix():
    assert parse("export TOKEN=abc") == {"TOKEN": "abc"}


def test_expansion_from_earlier_keys():
    env = parse("HOST=db\nURL=postgres://${HOST}/app\nQ='${HOST}'\n")
    assert env["URL"] == "postgres://db/app"
    assert env["Q"] == "${HOST}"


def test_invalid_line_reports_number():
    with pytest.raises(EnvSyntaxError, match="line 2"):
        parse("A=1\nnot a pair\n")


def test_inline_comment_is_stripped():
    env = parse("DATABASE_URL=postgres://db/app   # local dev database\nN=1 #one\n")
    assert env == {"DATABASE_URL": "postgres://db/app", "N": "1"}


def test_hash_inside_quotes_is_kept():
    env = parse('GREETING="hello # not a comment"\nHI="hi" # comment\nS=\'a#b\'  # c\n')
    assert env == {"GREETING": "hello # not a comment", "HI": "hi", "S": "a#b"}


def test_hash_without_space_is_part_of_value():
    assert parse("COLOR=#ff0000\nURL=http://x/#frag # c\n") == {
        "COLOR": "#ff0000",
        "URL": "http://x/#frag",
    }
