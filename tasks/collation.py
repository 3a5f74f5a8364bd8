"""Names in pinyin order: the ICU collation on PostgreSQL, the plain order on SQLite."""

from django.db.models.functions import Collate

#: Created by migration tasks 0010 on PostgreSQL (ICU, Chinese in pinyin order).
PINYIN_COLLATION = "zh_pinyin"
CREATE_PINYIN_COLLATION = (
    f"CREATE COLLATION IF NOT EXISTS {PINYIN_COLLATION} (provider = icu, locale = 'zh-u-co-pinyin')"
)


class Pinyin(Collate):
    """`Collate(expression, "zh_pinyin")` where the database has it; SQLite has no ICU
    collation, so there the expression sorts as it is (code point order)."""

    def __init__(self, expression):
        super().__init__(expression, PINYIN_COLLATION)

    def as_sqlite(self, compiler, connection, **extra_context):
        return compiler.compile(self.get_source_expressions()[0])
