"""The identity-number scan skips its regex for a text that cannot hold a number, and only then.

A number has at least ten digits; in a text within Latin-1 (Swedish prose) the only digits are
0-9, so fewer than ten of them means no number and the regex is not run. Every other text still
goes through the regex: one beyond Latin-1 may hold other digits the regex reads.
"""

from __future__ import annotations

import pytest

from vagled.privacy import MASK, mask_identity_numbers

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "text",
    [
        "Kontakta 811218-9876 – vi svarar gärna",  # an en dash: beyond Latin-1
        "pnr \uff18\uff11\uff11\uff12\uff11\uff18-\uff19\uff18\uff17\uff16",  # full-width digits
        "Åsa på kontoret, 811218 9876, svarar",
    ],
)
def test_numbers_beyond_the_digit_count_shortcut_are_still_found(text):
    masked, found = mask_identity_numbers(text)
    assert found and MASK in masked


def test_a_text_with_too_few_digits_is_returned_as_it_is():
    text = "Tjänst 75 %, lön 35 000 kr, start i maj"
    assert mask_identity_numbers(text) == (text, False)
    assert mask_identity_numbers(text)[0] is text


def test_a_value_that_is_not_text_still_raises_type_error():
    with pytest.raises(TypeError):
        mask_identity_numbers(5)
