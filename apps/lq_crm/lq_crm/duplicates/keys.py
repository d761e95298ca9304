"""Normalise names and addresses into the keys that duplicate detection blocks on.

A block is a set of households that share an indexed key (a phone, or a name
key or address key within one city), so finding candidates compares a new
household with its block only, never with every household.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

from pypinyin import lazy_pinyin

# The max_length of Member.name_key and Member.address_key.
NAME_KEY_LENGTH = 128
ADDRESS_KEY_LENGTH = 120

# Written at the start of many addresses and left out of others.
ADDRESS_PREFIXES = ("山东省", "山东")


# Every household read into a block has its name cleaned, and names repeat.
@lru_cache(maxsize=65536)
def clean_name(name: str) -> str:
    """Fold full-width forms by NFKC, drop every space and lower Latin letters."""
    folded = unicodedata.normalize("NFKC", name or "")
    return "".join(folded.split()).lower()


def name_key(name: str) -> str:
    """Return the name as toneless pinyin, so that 张伟 and 章伟 share a key.

    Characters without a pinyin reading (Latin letters, digits) are kept as
    they are; marks such as the middle dot of minority names are dropped.
    """
    return pinyin_key(clean_name(name))


# Many households share a name, and pypinyin took about 0.2 ms a name under
# cProfile in bench/member_import.py, so a process converts each distinct
# name once.
@lru_cache(maxsize=65536)
def pinyin_key(cleaned_name: str) -> str:
    """Return the toneless pinyin key of a name already passed through clean_name."""
    syllables = lazy_pinyin(cleaned_name, errors="default")
    key = "".join(char for part in syllables for char in part if char.isalnum())
    return key[:NAME_KEY_LENGTH]


def clean_address(address: str, city_name: str = "") -> str:
    """Return the address without spaces, marks, province and city name.

    Only letters and digits remain, so "文化东路58号3-201" and
    "文化东路 58号 3—201" give the same text.
    """
    folded = unicodedata.normalize("NFKC", address or "").lower()
    text = "".join(char for char in folded if char.isalnum())
    for prefix in (*ADDRESS_PREFIXES, city_name, city_name.removesuffix("市")):
        if prefix and text.startswith(prefix):
            text = text[len(prefix) :]
    return text


def address_key(address: str, city_name: str = "") -> str:
    return clean_address(address, city_name)[:ADDRESS_KEY_LENGTH]


def refresh_keys(member: Any, city_name: str) -> bool:
    """Set the member's name and address keys; return whether either changed."""
    new_name_key = name_key(member.name)
    new_address_key = address_key(member.address, city_name)
    changed = (member.name_key, member.address_key) != (new_name_key, new_address_key)
    member.name_key = new_name_key
    member.address_key = new_address_key
    return changed
