"""Hostile and broken workbooks, each made from a valid one by rewriting its zip members; and
the MEDIA_ROOT of a test, to see that nothing is left behind."""

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture
def media(settings, tmp_path):
    """An empty MEDIA_ROOT of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def files_in(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n"
)


def rewrite(
    src: Path,
    dst: Path,
    *,
    change: dict[str, Callable[[bytes], bytes]] | None = None,
    add: dict[str, bytes] | None = None,
    stored: tuple[str, ...] = (),
) -> Path:
    """`src` copied to `dst`, some members changed or added (`stored` ones not compressed)."""
    change, add = change or {}, add or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename in change:
                data = change[info.filename](data)
            method = zipfile.ZIP_STORED if info.filename in stored else zipfile.ZIP_DEFLATED
            zout.writestr(info.filename, data, compress_type=method)
        for name, data in add.items():
            zout.writestr(name, data)
    return dst


def prolog_replaced(data: bytes, prolog: bytes) -> bytes:
    end = data.find(b"?>") + 2 if data.startswith(b"<?xml") else 0
    return prolog + data[end:].lstrip()


def sparse(src: Path, dst: Path) -> Path:
    """One cell at A1 (the template's first) and one at the grid's last cell, XFD1048576."""
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    return rewrite(src, dst, change={SHEET: lambda d: d.replace(b"</sheetData>", far, 1)})


def zip_bomb(src: Path, dst: Path) -> Path:
    # 50 MB of zeros packs into about 50 KB: a ratio of about 1000.
    return rewrite(src, dst, add={"xl/media/padding.bin": b"\x00" * (50 * 1024 * 1024)})


def bad_crc(src: Path, dst: Path, member: str = SHEET) -> Path:
    """The member stored uncompressed, then one byte of it changed: valid XML, wrong CRC-32."""
    rewrite(src, dst, stored=(member,))
    raw = bytearray(dst.read_bytes())
    with zipfile.ZipFile(dst) as zf:
        info = zf.getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    at = raw.index(b"<", start + 60)  # somewhere inside the member, past the XML declaration
    raw[at + 1] = ord("x") if raw[at + 1] != ord("x") else ord("y")
    dst.write_bytes(bytes(raw))
    return dst


def broken_deflate(src: Path, dst: Path) -> Path:
    """Garbage written into the middle of the sheet's deflate stream."""
    rewrite(src, dst)
    raw = bytearray(dst.read_bytes())
    with zipfile.ZipFile(dst) as zf:
        info = zf.getinfo(SHEET)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size // 3
    raw[middle : middle + 16] = b"\xff" * 16
    dst.write_bytes(bytes(raw))
    return dst


def truncated(src: Path, dst: Path) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: len(data) // 2])
    return dst


def renamed_text(src: Path, dst: Path) -> Path:
    dst.write_text("镇（街道）,村（居）,户主姓名\n洪山镇,东村,王建国\n", encoding="utf-8")
    return dst


def encrypted(src: Path, dst: Path) -> Path:
    # Excel saves a password-protected workbook as an OLE compound file (CFB).
    dst.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096)
    return dst


def with_macro(src: Path, dst: Path) -> Path:
    """An .xlsm in disguise: the VBA project part and the macro-enabled content type."""
    types = b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'
    return rewrite(
        src,
        dst,
        change={
            "[Content_Types].xml": lambda d: d.replace(
                b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml"
            ).replace(b"</Types>", types)
        },
        add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x01" * 512},
    )


def with_external_link(src: Path, dst: Path) -> Path:
    link = (
        b'<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="http://schemas.openxml'
        b'formats.org/spreadsheetml/2006/main"><externalBook r:id="rId1" xmlns:r="http://sc'
        b'hemas.openxmlformats.org/officeDocument/2006/relationships"/></externalLink>'
    )
    rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxml'
        b'formats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schem'
        b'as.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" Target="'
        b'file:///C:/secret.xlsx" TargetMode="External"/></Relationships>'
    )
    return rewrite(
        src,
        dst,
        add={
            "xl/externalLinks/externalLink1.xml": link,
            "xl/externalLinks/_rels/externalLink1.xml.rels": rels,
        },
    )


def laughs_in_workbook(src: Path, dst: Path) -> Path:
    return rewrite(src, dst, change={"xl/workbook.xml": lambda d: prolog_replaced(d, LAUGHS)})


SST = "xl/sharedStrings.xml"
_SST = (
    b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/sp'
    b'readsheetml/2006/main" count="1" uniqueCount="1"><si><t>x</t></si></sst>'
)


def shared_strings_changed(src: Path, dst: Path, change: Callable[[bytes], bytes]) -> Path:
    """The shared-strings member changed; added first (with its relationship) if missing."""
    with zipfile.ZipFile(src) as zf:
        present = SST in zf.namelist()
    if present:
        return rewrite(src, dst, change={SST: change})
    rel = (
        b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
    )
    override = (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlfor'
        b'mats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    )
    return rewrite(
        src,
        dst,
        change={
            "xl/_rels/workbook.xml.rels": lambda d: d.replace(b"</Relationships>", rel),
            "[Content_Types].xml": lambda d: d.replace(b"</Types>", override),
        },
        add={SST: change(_SST)},
    )


def laughs_in_shared_strings(src: Path, dst: Path) -> Path:
    def change(data: bytes) -> bytes:
        data = prolog_replaced(data, LAUGHS)
        return data.replace(b"<t>", b"<t>&lol9;", 1)

    return shared_strings_changed(src, dst, change)


def huge_shared_strings(src: Path, dst: Path) -> Path:
    """A shared-strings table claiming four billion entries (python-calamine reserves room for
    them before reading one: 96 GB)."""

    def change(data: bytes) -> bytes:
        start = data.index(b"<sst")
        end = data.index(b">", start)
        head = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        return data[:start] + head + b' count="4000000000" uniqueCount="4000000000"' + data[end:]

    return shared_strings_changed(src, dst, change)


#: (name, builder, what the user is told: the whole message, or a part of it)
HOSTILE = [
    ("sparse-cell", sparse, "工作表用到了第 XFD 列"),
    ("zip-bomb", zip_bomb, "压缩炸弹"),
    ("bad-crc", bad_crc, "文件已损坏，请重新保存后上传"),
    ("broken-deflate", broken_deflate, "文件已损坏，请重新保存后上传"),
    ("truncated-zip", truncated, "文件已损坏，请重新保存后上传"),
    ("renamed-text", renamed_text, "该文件不是 Excel 工作簿（.xlsx）"),
    ("encrypted", encrypted, "该文件已加密"),
    ("macro", with_macro, "文件含有宏（VBA 代码），已拒绝处理"),
    ("external-link", with_external_link, "文件含有指向其他文件的外部链接，已拒绝处理"),
    ("laughs-workbook", laughs_in_workbook, "文件含有不允许的 XML 定义（DTD 或实体）"),
    ("laughs-shared-strings", laughs_in_shared_strings, "文件含有不允许的 XML 定义（DTD 或实体）"),
    ("huge-shared-strings", huge_shared_strings, "文件的共享字符串表异常巨大"),
]
