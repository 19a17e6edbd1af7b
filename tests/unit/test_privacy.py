import pytest

from vagled.privacy import MASK, find_identity_numbers, luhn_ok, mask_identity_numbers

pytestmark = pytest.mark.unit


def test_luhn():
    assert luhn_ok("8112189876")  # Skatteverket's example number
    assert not luhn_ok("8112189875")


@pytest.mark.parametrize(
    "text",
    [
        "Kontakta 811218-9876 för frågor",
        "pnr 198112189876.",
        "19811218-9876",
        "samordningsnummer 811278-9873",
    ],
)
def test_identity_numbers_are_found_and_masked(text):
    assert find_identity_numbers(text)
    masked, found = mask_identity_numbers(text)
    assert found and MASK in masked
    assert not find_identity_numbers(masked)


@pytest.mark.parametrize(
    "text",
    ["Ring 070-123 45 67", "Ordernummer 811218-9875", "Datum 2026-11-23", "Lön 35000-42000 kr", "", None],
)
def test_other_numbers_are_left_alone(text):
    assert find_identity_numbers(text) == []
    assert mask_identity_numbers(text) == (text, False)


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
