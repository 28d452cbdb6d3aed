"""The chat-like perturbation `bench.langid` measures on: it must do what it says."""

from __future__ import annotations

import random

from bench.langid_data import EMOJI, Sample, chat_like, chat_version, strip_accents


def test_accents_go_where_the_script_has_them_and_cyrillic_letters_stay() -> None:
    assert strip_accents("Ça coûte złoty, şey ışık") == "Ca coute zloty, sey isik"
    assert strip_accents("καλημέρα") == "καλημερα"
    assert strip_accents("йод, їжак, ёлка") == "йод, їжак, елка"


def test_chat_like_text_is_lower_case_without_final_punctuation() -> None:
    rng = random.Random(1)
    for _ in range(50):
        text = chat_like("Où est la Gare?", rng)
        assert text == text.lower() and not text.rstrip(" " + "".join(EMOJI)).endswith("?")
        assert "ù" not in text


def test_about_a_third_get_a_typo_and_a_third_an_emoji() -> None:
    samples = [Sample("sentence", "en", "the neighbours are very loud tonight")] * 1000
    chatted = [s.text for s in chat_version(samples, seed=3)]
    with_emoji = sum(text.endswith(EMOJI) for text in chatted)
    with_typo = sum(
        text.removesuffix(next((f" {e}" for e in EMOJI if text.endswith(e)), ""))
        != "the neighbours are very loud tonight"
        for text in chatted
    )
    assert 250 < with_emoji < 350 and 250 < with_typo < 350


def test_the_perturbation_is_the_same_for_the_same_seed() -> None:
    samples = [Sample("two-words", "nl", "Goedemorgen allemaal!")] * 20
    assert chat_version(samples, seed=5) == chat_version(samples, seed=5)
    assert chat_version(samples, seed=5) != chat_version(samples, seed=6)
