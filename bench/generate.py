"""Realistic generated households for tests and benchmarks.

Chinese names, villages per town, valid GB 11643 ID numbers with Zichuan's 370302 prefix,
mobile phones and routes, deterministic for a seed. `python -m bench.generate N --xlsx F`
writes a ledger file in the import template's columns; `--db` inserts into the database.
A million rows of Python tuples take a few seconds: everything is plain lists and ints.
"""

import argparse
import datetime
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段漕钱汤尹黎易常武乔贺赖龚文"  # noqa: E501
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍建国建华文志红春梅海燕德胜永福长青学文立新金凤淑珍凤英振华秀珍桂芝"  # noqa: E501
VILLAGE_STEMS = "东西南北前后上下大小王李张刘马杨赵孙高石河山岭泉峪庄家沟坡店屯"
VILLAGE_SUFFIX = ["村", "庄", "家庄", "峪村", "河村", "店村", "沟村"]
ROUTES = ["central", "gas", "electric"]
ROUTE_WEIGHTS = [2, 5, 3]
ROUTE_LABELS = {"central": "集中供暖", "gas": "气代煤", "electric": "电代煤"}
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
ZICHUAN_PREFIX = "370302"

#: The 2021 towns and their quotas (same order and codes as fixtures/programme_2021.json).
TOWNS = [
    ("kaifaqu", "开发区", 200),
    ("hongshan", "洪山镇", 458),
    ("kunlun", "昆仑镇", 500),
    ("shuangyang", "双杨镇", 30),
    ("luocun", "罗村镇", 200),
    ("zhaili", "寨里镇", 300),
    ("longquan", "龙泉镇", 200),
    ("xihe", "西河镇", 150),
    ("jiangjunlu", "将军路街道", 160),
]


def id_number(serial: int, birth: datetime.date, prefix: str = ZICHUAN_PREFIX) -> str:
    """A valid 18-character ID; `serial` (0-999) and birth date make it unique."""
    body = f"{prefix}{birth:%Y%m%d}{serial % 1000:03d}"
    return body + CHECK[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def unique_id_numbers(n: int, seed: int = 0) -> list[str]:
    """n distinct valid IDs: each (birth date, serial) pair is used once."""
    return list(iter_unique_id_numbers(n, seed))


def iter_unique_id_numbers(n: int, seed: int = 0) -> Iterator[str]:
    """`unique_id_numbers`, one at a time (the test factories draw a few from 200,000)."""
    rng = random.Random(seed)
    start = datetime.date(1930, 1, 1).toordinal()
    days = datetime.date(2000, 12, 31).toordinal() - start
    # Walk a permutation of (day, serial) slots without materialising all of them.
    step = 7919  # prime, coprime with the slot count below
    slots = days * 1000
    offset = rng.randrange(slots)
    for i in range(n):
        slot = (offset + i * step) % slots
        day, serial = divmod(slot, 1000)
        yield id_number(serial, datetime.date.fromordinal(start + day))


def village_names(town_code: str, count: int) -> list[str]:
    rng = random.Random(town_code)
    names: list[str] = []
    while len(names) < count:
        name = rng.choice(VILLAGE_STEMS) + rng.choice(VILLAGE_STEMS) + rng.choice(VILLAGE_SUFFIX)
        if name not in names:
            names.append(name)
    return names


@dataclass(slots=True)
class Row:
    town_code: str
    town_name: str
    village: str
    head_name: str
    id_number: str
    phone: str
    address: str
    size: int
    route: str
    signed_on: datetime.date | None
    completed_on: datetime.date | None


def households(n: int, seed: int = 0, villages_per_town: int = 12) -> Iterator[Row]:
    """n households spread over the 9 towns in proportion to their quotas."""
    rng = random.Random(seed)
    total = sum(q for _, _, q in TOWNS)
    villages = {code: village_names(code, villages_per_town) for code, _, _ in TOWNS}
    town_pick = []
    for code, name, quota in TOWNS:
        town_pick.extend([(code, name)] * quota)
    ids = unique_id_numbers(n, seed)
    base = datetime.date(2021, 6, 20).toordinal()
    for i in range(n):
        code, name = town_pick[(i * 7 + rng.randrange(total)) % total]
        village = villages[code][rng.randrange(villages_per_town)]
        surname = rng.choice(SURNAMES)
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        signed = datetime.date.fromordinal(base + rng.randrange(40))
        completed = (
            datetime.date.fromordinal(signed.toordinal() + 10 + rng.randrange(40))
            if rng.random() < 0.6
            else None
        )
        yield Row(
            town_code=code,
            town_name=name,
            village=village,
            head_name=surname + given,
            id_number=ids[i],
            phone=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
            address=f"{name}{village}{rng.randrange(1, 300)}号",
            size=rng.randrange(1, 8),
            route=rng.choices(ROUTES, ROUTE_WEIGHTS)[0],
            signed_on=signed,
            completed_on=completed,
        )


#: An example catalogue per route (brand, model, kind) and one contractor per route, used by
#: `write_ledger_xlsx`; the benchmark creates these rows in its database before importing.
EXAMPLE_EQUIPMENT = {
    "central": [("示例热力", "RF-60", "散热器")],
    "gas": [("示例燃气", "L1PB20", "燃气壁挂炉"), ("示例燃气", "L1PB26", "燃气壁挂炉")],
    "electric": [("示例热泵", "KFXRS-7", "空气源热泵"), ("示例热泵", "KFXRS-9", "空气源热泵")],
}
EXAMPLE_CONTRACTORS = {
    "central": ("示例热力公司", "heating"),
    "gas": ("示例燃气公司", "gas"),
    "electric": ("示例设备安装公司", "installer"),
}
LEDGER_HEADERS = [
    "镇（街道）",
    "村（居）",
    "户主姓名",
    "身份证号",
    "联系电话",
    "家庭住址",
    "家庭人口",
    "改造方式",
    "设备品牌",
    "设备型号",
    "实施单位",
    "签约日期",
    "完工日期",
    "备注",
]


def write_ledger_xlsx(path: str, rows: "Iterator[Row] | list[Row]") -> int:
    """Write rows as a valid import file (sheet 台账, template columns, ID column as text).

    XlsxWriter's constant_memory mode streams rows to disk, so a million rows stay small in
    memory. Returns the number of data rows written.
    """
    import xlsxwriter

    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = workbook.add_worksheet("台账")
    text = workbook.add_format({"num_format": "@"})
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.set_column(3, 3, 22, text)
    sheet.set_column(4, 4, 14, text)
    sheet.set_column(11, 12, 12, date)
    for col, header in enumerate(LEDGER_HEADERS):
        sheet.write_string(0, col, header)
    n = 0
    for n, row in enumerate(rows, start=1):
        brand, model, _kind = EXAMPLE_EQUIPMENT[row.route][n % len(EXAMPLE_EQUIPMENT[row.route])]
        sheet.write_string(n, 0, row.town_name)
        sheet.write_string(n, 1, row.village)
        sheet.write_string(n, 2, row.head_name)
        sheet.write_string(n, 3, row.id_number, text)
        sheet.write_string(n, 4, row.phone, text)
        sheet.write_string(n, 5, row.address)
        sheet.write_number(n, 6, row.size)
        sheet.write_string(n, 7, ROUTE_LABELS[row.route])
        sheet.write_string(n, 8, brand)
        sheet.write_string(n, 9, model)
        sheet.write_string(n, 10, EXAMPLE_CONTRACTORS[row.route][0])
        if row.signed_on:
            sheet.write_datetime(n, 11, row.signed_on, date)
        if row.completed_on:
            sheet.write_datetime(n, 12, row.completed_on, date)
    workbook.close()
    return n


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--xlsx", metavar="FILE", help="write an import file in template columns")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.xlsx:
        count = write_ledger_xlsx(args.xlsx, households(args.n, args.seed))
        print(f"wrote {count} rows to {args.xlsx} in {time.perf_counter() - started:.1f} s")
        return
    count = sum(1 for _ in households(args.n, args.seed))
    print(f"generated {count} households in {time.perf_counter() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
