from blogtools import slugify, unique_slug


def test_simple_title():
    assert slugify("Hello World") == "hello-world"
    assert slugify("  Python 3.12 released  ") == "python-3-12-released"


def test_max_length_cuts_on_word_boundary():
    assert slugify("one two three four", max_length=12) == "one-two"


def test_unique_slug_appends_counter():
    assert unique_slug("Hello", {"hello", "hello-2"}) == "hello-3"
    assert unique_slug("!!!", set()) == "post"


def test_accents_are_transliterated():
    assert slugify("Café crème à Zürich") == "cafe-creme-a-zurich"
    assert slugify("Ærøskøbing Straße") == "aeroskobing-strasse"


def test_punctuation_runs_become_one_hyphen():
    assert slugify("Rock -- & -- Roll!") == "rock-roll"
    assert slugify("a  b") == "a-b"


def test_unique_slug_with_accented_titles():
    assert unique_slug("Cafè", {"cafe"}) == "cafe-2"
