import pytest

from lq_crm.core.phones import InvalidPhoneError, mask_phone, normalise_phone


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13912345678", "+8613912345678"),
        ("+86 139 1234 5678", "+8613912345678"),
        ("+86-139-1234-5678", "+8613912345678"),
        ("0086 13912345678", "+8613912345678"),
        ("86-13912345678", "+8613912345678"),
        ("8613912345678", "+8613912345678"),
        ("１３９１２３４５６７８", "+8613912345678"),
        ("＋８６　１３９ １２３４ ５６７８", "+8613912345678"),
        (" 139 1234 5678 ", "+8613912345678"),
        ("0531-88888888", "+8653188888888"),
        ("(0532) 8888 8888", "+8653288888888"),
        ("+1 650 253 0000", "+16502530000"),
    ],
)
def test_normalise_phone_accepts(text: str, expected: str) -> None:
    assert normalise_phone(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "   ", "139123", "12345678901", "not a phone", "+86 139 1234 56789"],
)
def test_normalise_phone_rejects(text: str) -> None:
    with pytest.raises(InvalidPhoneError):
        normalise_phone(text)


def test_invalid_phone_is_value_error() -> None:
    with pytest.raises(ValueError, match="139123"):
        normalise_phone("139123")


@pytest.mark.parametrize(
    ("e164", "expected"),
    [
        ("+8613912345678", "+86139****5678"),
        ("+8653188888888", "+86531****8888"),
        ("+865318888888", "+86531***8888"),
        ("", ""),
        ("+86123", "+86***"),
    ],
)
def test_mask_phone(e164: str, expected: str) -> None:
    assert mask_phone(e164) == expected
