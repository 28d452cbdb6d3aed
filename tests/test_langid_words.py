"""The word-frequency table: built once into the cache directory, then read from there."""

from __future__ import annotations

from pathlib import Path

from bot.domain.language.words import WordTable


def test_a_word_counts_for_the_languages_that_use_it(tmp_path: Path) -> None:
    table = WordTable(["en", "nl", "ti"], tmp_path)

    assert table.languages == ("en", "nl")  # no list for Tigrinya
    the, het, unknown = table.steps("the"), table.steps("het"), table.steps("xqzvw")
    assert the[0] > the[1] and het[1] > het[0]
    assert unknown == bytes(2)
    assert table.log_ratio(the[0]) > table.log_ratio(het[0])


def test_list_words_are_folded_to_chat_spelling(tmp_path: Path) -> None:
    table = WordTable(["pt", "es"], tmp_path)
    # "não" is among the commonest Portuguese words (about 1 %); typed plain, "nao" is rare.
    assert table.log_ratio(table.steps("nao")[0]) > 6
    assert table.steps("obrigado")[0] > 0 and table.steps("obrigado")[1] == 0


def test_the_table_is_built_once_and_then_read_from_the_cache(tmp_path: Path) -> None:
    WordTable(["en", "nl"], tmp_path)
    (built,) = tmp_path.iterdir()
    stamp = built.stat().st_mtime_ns

    again = WordTable(["en", "nl"], tmp_path)

    assert list(tmp_path.iterdir()) == [built] and built.stat().st_mtime_ns == stamp
    assert again.steps("the")[0] > 0
    WordTable(["en", "de"], tmp_path)  # other languages: another table beside it
    assert len(list(tmp_path.iterdir())) == 2
