"""What several commands share: reading a passphrase, applying migrations, refusing with a message."""
import sys

import click

from portal import db as database


def read_secret(passphrase_file, prompt: str) -> str:
    """The passphrase from a file, or typed at a terminal; without a terminal, say which option to use."""
    if passphrase_file:
        return open(passphrase_file, encoding="utf-8").read().rstrip("\r\n")
    if not sys.stdin.isatty():
        click.echo("Không có bàn phím để nhập passphrase (chạy không tương tác): dùng --passphrase-file TỆP.", err=True)
        sys.exit(2)
    return click.prompt(prompt, hide_input=True)


def secret_or_none(passphrase_file) -> str | None:
    """The passphrase in a file, or None (the caller falls back to the configuration or a prompt)."""
    return open(passphrase_file, encoding="utf-8").read().rstrip("\r\n") if passphrase_file else None


def upgrade_or_exit() -> list[str]:
    """Apply pending migrations and list them; a failed one (nothing applied) ends the command with exit 1."""
    try:
        applied = database.upgrade()
    except database.MigrationFailed as err:
        click.echo(str(err), err=True)
        sys.exit(1)
    for name in applied:
        click.echo(f"applied: {name}")
    return applied


def fail(message: str, code: int = 1):
    """Print a refusal on stderr and end the command with CODE."""
    click.echo(message, err=True)
    sys.exit(code)
