"""The `moderato` command: serve, dev, db (Flask-Migrate), and the operator commands of later features."""

from __future__ import annotations

import os
import sys

import click
from flask.cli import FlaskGroup

from service.settings import PROJECT_ROOT


def _create_cli_app() -> object:
    from service.app import create_app

    # Commands such as `db upgrade` must run on an old schema; serving refuses it.
    return create_app(check_schema=False)


@click.group(cls=FlaskGroup, create_app=_create_cli_app, add_default_commands=False, add_version_option=False)
def main() -> None:
    """Moderato: self-hosted comment moderation."""


@main.command("serve", context_settings={"ignore_unknown_options": True}, with_appcontext=False)
@click.option("--bind", default=None, help="host:port to listen on (default 127.0.0.1:8000).")
@click.option("--workers", type=int, default=None, help="Worker processes (default: CPUs + 1).")
@click.argument("gunicorn_args", nargs=-1, type=click.UNPROCESSED)
def serve(bind: str | None, workers: int | None, gunicorn_args: tuple[str, ...]) -> None:
    """Serve with gunicorn and config/gunicorn.conf.py."""
    command = [sys.executable, "-m", "gunicorn", "-c", str(PROJECT_ROOT / "config" / "gunicorn.conf.py")]
    if bind:
        command += ["--bind", bind]
    if workers:
        command += ["--workers", str(workers)]
    command += list(gunicorn_args)
    os.execv(sys.executable, command)


@main.command("dev", with_appcontext=False)
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
def dev(host: str, port: int) -> None:
    """Run the Flask development server (never in production)."""
    from service.app import create_app

    create_app().run(host=host, port=port, debug=False)


@main.group("token")
def token() -> None:
    """API tokens: create, list, revoke."""


@token.command("create")
@click.option("--role", required=True, type=click.Choice(["moderator", "admin", "integration"]))
@click.option("--name", required=True, help="Who or what the token is for (shown in the audit log).")
def token_create(role: str, name: str) -> None:
    """Create a token and print its secret once; only a hash is stored."""
    from service import auth

    issued = auth.create_token(name.strip(), auth.Role(role), actor="cli")
    click.echo(issued.secret)
    click.echo(f"token #{issued.token.id} ({role}, {name}) created; the secret above is not shown again.", err=True)


@token.command("list")
def token_list() -> None:
    """List tokens (id, role, name, created, revoked)."""
    from service import auth

    for item in auth.list_tokens():
        revoked = item.revoked_at.isoformat() if item.revoked_at else "-"
        click.echo(f"{item.id}\t{item.role}\t{item.name}\t{item.created_at.isoformat()}\t{revoked}")


@token.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    """Revoke a token by id."""
    from service import auth

    auth.revoke_token(token_id, actor="cli")
    click.echo(f"token #{token_id} revoked")


@main.group("audit")
def audit_group() -> None:
    """The append-only audit log."""


@audit_group.command("export")
@click.option("--action", default=None, help='Only this action, or a family such as "comment.".')
@click.option("--comment-id", type=int, default=None)
def audit_export(action: str | None, comment_id: int | None) -> None:
    """Print the audit log as JSON lines, oldest first."""
    from service import audit_log

    for line in audit_log.export_lines(action=action, comment_id=comment_id):
        click.echo(line)


@main.group("privacy")
def privacy_group() -> None:
    """Personal data: export or erase an e-mail address's data, purge old IP-address hashes."""


@privacy_group.command("export")
@click.argument("email")
def privacy_export(email: str) -> None:
    """Print everything stored about EMAIL as JSON."""
    import json

    from flask import current_app

    from service import privacy

    document = privacy.export_email(email, str(current_app.config["SECRET_KEY"]), actor="cli")
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


@privacy_group.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def privacy_erase(email: str, yes: bool) -> None:
    """Anonymise every comment by EMAIL (name, address and IP hash removed; excluded from training)."""
    from flask import current_app

    from service import privacy

    if not yes:
        click.confirm(f"Erase the personal data of {email}?", abort=True)
    erased = privacy.erase_email(email, str(current_app.config["SECRET_KEY"]), actor="cli")
    click.echo(f"{erased} comments anonymised")


@privacy_group.command("purge-ips")
def privacy_purge_ips() -> None:
    """Remove IP-address hashes older than [privacy] ip_retention_days (run daily from cron)."""
    from flask import current_app

    from service import privacy

    days = int(current_app.config["MODERATO"]["privacy"]["ip_retention_days"])
    purged = privacy.purge_ip_hashes(days, actor="cli")
    click.echo(f"{purged} IP-address hashes older than {days} days purged")
