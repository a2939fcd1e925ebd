import time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from society import demo


class Command(BaseCommand):
    help = _(
        "生成确定的演示数据：分支机构、会员单位、个人会员、专家、专职工作人员、各角色演示账号，"
        "以及申报批次、申报、专家评审和评分。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help=_("数据量倍数（默认 1：约150个会员单位、2000名会员、60位专家；10 用于性能测试）"),
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help=_("先清空申报批次、申报和学会登记数据及演示账号，再重新生成"),
        )

    def handle(self, *args, scale, reset, **options):
        if not 0 < scale <= 100:
            raise CommandError(_("--scale 须大于 0 且不超过 100。"))
        if reset:
            try:
                demo.clear_registry()
            except (ProtectedError, RestrictedError) as error:
                raise CommandError(
                    _("无法清空：已有其他数据引用学会登记数据（%(error)s）。") % {"error": error}
                ) from error
            self.stdout.write(_("已清空申报数据、学会登记数据和演示账号。"))
        elif not demo.registry_is_empty():
            self.stdout.write(
                _("数据库中已有学会登记数据，未重复生成。如需重新生成，请加 --reset。")
            )
            self.stdout.write("\n" + demo.accounts_table())
            return

        started = time.monotonic()
        summary = demo.build_demo_data(scale=scale)
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "已生成演示数据（%(seconds).1f 秒）：分支机构 %(branches)d 个，会员单位 "
                    "%(units)d 个，个人会员 %(members)d 名，专家 %(experts)d 位，"
                    "专职工作人员 %(staff)d 名。"
                )
                % {
                    "seconds": elapsed,
                    "branches": summary.branches,
                    "units": summary.units,
                    "members": summary.members,
                    "experts": summary.experts,
                    "staff": summary.staff,
                }
            )
        )
        if summary.calls:
            self.stdout.write(_("申报批次 %(n)d 个：") % {"n": len(summary.calls)})
            for call in summary.calls:
                self.stdout.write("  " + call.line())
        if summary.kpis:
            self.stdout.write(
                _(
                    "指标记录 %(records)d 条，宣传联系 %(outreach)d 次，满意度评价 %(responses)d 条。"  # noqa: E501
                )
                % summary.kpis
            )
        if summary.skipped_accounts:
            self.stdout.write(
                self.style.WARNING(
                    _("以下用户名已存在，未作修改：%(names)s")
                    % {"names": "、".join(summary.skipped_accounts)}
                )
            )
        self.stdout.write("\n" + _("演示账号（仅供本地演示，请勿用于生产环境）：") + "\n")
        self.stdout.write(demo.accounts_table())
