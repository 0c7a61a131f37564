"""What a 身份证 reader in keyboard-wedge mode types, read back into the applicant's fields.

Desktop second-generation ID card readers (the kind on every Chinese service window) can act as a
keyboard: one swipe types the card's fields into the focused input and ends with Enter. The formats
read here, the ones their configuration tools offer:

1. The ID number alone: ``11010519491231002X``.
2. One delimited line, fields in the card's order: 姓名, 性别, 民族, 出生, 住址, 公民身份号码, then
   optionally 签发机关 and 有效期限. The delimiter is ``|``, TAB, a comma (``,`` or ``，``) or ``;``;
   the first of them that occurs in the line splits it. Example::

       张三|男|汉|19900307|北京市东城区某街1号|110101199003070011|北京市公安局东城分局|2015.01.01-2035.01.01

The ID number is the field that passes GB 11643 wherever it stands (some readers put it first), so
a reader configured with fewer or reordered fields still fills the number; the name is the first
field that is neither the number nor a sex, date or number. Pure: no database, no Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bangban.core.ids import resident_id_problem

DELIMITERS = ("|", "\t", ",", "，", ";", "；")
MAX_LINE = 500  # a card's fields with the longest address fit in far less
NAME_MAX = 50
_ID_SHAPE = re.compile(r"^\d{17}[\dXx]$")
_NOT_A_NAME = re.compile(r"^[\d\s./:-]*$|^[男女]$")


class CardReadError(ValueError):
    """The line is not a card: the message (Chinese) says what was missing."""


@dataclass(frozen=True)
class CardRead:
    id_number: str
    name: str = ""
    sex: str = ""
    nation: str = ""
    birth: str = ""
    address: str = ""


def parse(line: str) -> CardRead:
    """The card's fields from the line a reader typed; CardReadError when it holds no valid ID number."""
    text = (line or "").strip()
    if not text:
        raise CardReadError("读卡内容为空：请将身份证放在读卡器上")
    if len(text) > MAX_LINE:
        raise CardReadError(f"读卡内容超过 {MAX_LINE} 个字符，不是读卡器的输出")
    delimiter = next((d for d in DELIMITERS if d in text), None)
    fields = [f.strip() for f in text.split(delimiter)] if delimiter else [text]
    shaped = [f for f in fields if _ID_SHAPE.match(f)]
    if not shaped:
        raise CardReadError(
            "读卡内容中没有 18 位身份证号：请检查读卡器的输出格式（姓名|性别|民族|出生|住址|身份证号）"
        )
    id_number = shaped[0].upper()
    if problem := resident_id_problem(id_number):
        raise CardReadError(f"读到的{problem}")
    rest = [f for f in fields if f and f.upper() != id_number]
    name = next((f for f in rest if not _NOT_A_NAME.match(f)), "")
    if len(name) > NAME_MAX:
        name = ""  # an address where a name should be: leave the name to the agent
    # The card's own order, when the reader gives the whole record.
    sex = nation = birth = address = ""
    if len(fields) >= 6 and fields[5].upper() == id_number and fields[0] == name:
        sex, nation, birth, address = fields[1], fields[2], fields[3], fields[4]
    return CardRead(id_number=id_number, name=name, sex=sex, nation=nation, birth=birth, address=address)
