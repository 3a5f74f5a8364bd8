"""A password-protected xlsx for the bank (ECMA-376 agile encryption, via msoffcrypto-tool).

The password is the finance user's, typed for this one file: it is used here and nowhere
kept (not in the database, the audit event, the logs or the session).
"""

import os
import tempfile
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from msoffcrypto.format.ooxml import OOXMLFile

MIN_PASSWORD = 8


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError(
            _("“文件密码”至少 %(n)s 个字符。") % {"n": MIN_PASSWORD}, code="short"
        )


def encrypt_xlsx(plain: BinaryIO, password: str, out: BinaryIO) -> None:
    """Write `plain` (an xlsx, read from its start) to `out`, encrypted with `password`."""
    check_password(password)
    plain.seek(0)
    OOXMLFile(plain).encrypt(password, out)


def write_encrypted(write, password: str, out: BinaryIO | str | os.PathLike) -> object:
    """Call `write(file)` into a temporary file, then encrypt it into `out` (a file or a path;
    a path is written only once the password has been accepted)."""
    check_password(password)
    with tempfile.TemporaryFile() as tmp:
        result = write(tmp)
        if isinstance(out, str | os.PathLike):
            with open(out, "wb") as f:
                encrypt_xlsx(tmp, password, f)
        else:
            encrypt_xlsx(tmp, password, out)
    return result
