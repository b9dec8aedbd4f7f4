"""`flask audit verify`: check the keyed audit trail and its anchors."""
import sys

import click
from flask.cli import AppGroup

from portal.db import db

from .common import fail

audit_group = AppGroup("audit", help="Nhật ký kiểm toán.")


@audit_group.command("verify")
@click.option("--head", "heads", multiple=True, metavar="ID:HASH",
              help="Đầu chuỗi đã ghi lại (trang Quản trị hiển thị), ví dụ 1234:3fa2b9c1d0e4; dùng nhiều lần được.")
def audit_verify(heads):
    """Check the keyed audit trail and its anchors: exit 0 intact, 1 tampered or cut off (each problem named)."""
    from portal.services.system.audit import anchor_text
    from portal.services.system.audit_check import parse_head, verify

    try:
        anchors = [parse_head(h) for h in heads]
    except ValueError as err:
        fail(str(err), 2)
    with db.connection_context():
        report = verify(anchors)
    for note in report.notes:
        click.echo(f"Lưu ý: {note}")
    if report.ok:
        click.echo(f"Nhật ký nguyên vẹn: {report.total} mục, đầu chuỗi {anchor_text(report.head) or '(trống)'}; "
                   f"đã đối chiếu {report.anchors} mốc.")
        sys.exit(0)
    for problem in report.problems:
        click.echo(problem.message, err=True)
    if report.more:
        click.echo(f"… và {report.more} vấn đề khác.", err=True)
    sys.exit(1)
