"""The 身份证 reader's keyboard-wedge line, read back (cases/cardreader.py, a pure rule)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bangban.cases.cardreader import MAX_LINE, CardReadError, parse
from bangban.core.ids import resident_id_check_char

ID = "110101199003070011"
ID_X = "44030619770101456X"
FULL = f"张三|男|汉|19900307|北京市东城区某街1号|{ID}|北京市公安局东城分局|2015.01.01-2035.01.01"


def test_the_whole_record_pipe_separated():
    read = parse(FULL)
    assert (read.name, read.id_number, read.sex, read.nation, read.birth) == (
        "张三",
        ID,
        "男",
        "汉",
        "19900307",
    )
    assert read.address == "北京市东城区某街1号"


@pytest.mark.parametrize("sep", ["\t", ",", "，", ";", "|"])
def test_every_documented_delimiter(sep):
    read = parse(FULL.replace("|", sep))
    assert (read.name, read.id_number) == ("张三", ID)


def test_the_id_number_alone_and_a_lower_case_x():
    assert parse(ID).id_number == ID
    read = parse(ID_X.lower() + "\r\n")
    assert (read.id_number, read.name) == (ID_X, "")


def test_fewer_or_reordered_fields():
    assert (parse(f"{ID}\t李四").name, parse(f"{ID}\t李四").id_number) == ("李四", ID)
    assert parse(f"王五|女|{ID}").name == "王五"
    read = parse(f"{ID}|女|19900307")
    assert (read.name, read.sex) == ("", "")  # no name on the line: the agent types it


@pytest.mark.parametrize(
    "line, message",
    [
        ("", "读卡内容为空"),
        ("   \t ", "读卡内容为空"),
        ("张三|男|汉", "没有 18 位身份证号"),
        ("张三|110101199003070012", "校验位错误"),
        ("张三|110101199013070015", "出生日期无效"),
        ("x" * (MAX_LINE + 1), f"超过 {MAX_LINE} 个字符"),
    ],
)
def test_what_is_not_a_card_says_why(line, message):
    with pytest.raises(CardReadError, match=message):
        parse(line)


@given(
    name=st.text(alphabet="张王李赵陈刘杨黄周吴阿依古丽·", min_size=1, max_size=10),
    sep=st.sampled_from(["|", "\t", ",", "，"]),
    first17=st.from_regex(
        r"^[1-6]\d{5}(19[0-9]{2}|200[0-9])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])\d{3}$", fullmatch=True
    ),
)
def test_any_name_and_valid_number_round_trip(name, sep, first17):
    number = first17 + resident_id_check_char(first17)
    read = parse(sep.join([name, "男", "汉", first17[6:14], "某地", number]))
    assert (read.name, read.id_number, read.birth) == (name, number, first17[6:14])


@given(st.text(max_size=600))
def test_any_input_reads_or_says_why(line):
    try:
        read = parse(line)
    except CardReadError as exc:
        assert str(exc)
    else:
        assert len(read.id_number) == 18
