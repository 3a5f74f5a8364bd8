"""Issue an API key for a gas or grid company's system (shown once; only its hash is kept).

python manage.py utility_token --utility 淄川燃气公司 --kind gas --username api_gas
"""

from django.core.management.base import BaseCommand, CommandError

from subsidies.metering.models import MeterKind, Utility
from subsidies.metering.services import utility_token_issue


class Command(BaseCommand):
    help = "为供气/供电单位签发抄表数据接口密钥。"

    def add_arguments(self, parser):
        parser.add_argument("--utility", required=True, help="单位名称")
        parser.add_argument("--kind", choices=MeterKind.values, help="新单位的表计类型")
        parser.add_argument("--username", required=True, help="接口用户名（无角色）")

    def handle(self, *args, **options):
        utility = Utility.objects.filter(name=options["utility"]).first()
        if utility is None:
            if not options["kind"]:
                raise CommandError("没有该单位；新建时请用 --kind 指定 gas 或 electric。")
            utility = Utility.objects.create(name=options["utility"], kind=options["kind"])
        _token, key = utility_token_issue(utility=utility, username=options["username"])
        self.stdout.write(f"{utility.name} 的接口密钥（只显示这一次）：{key}")
