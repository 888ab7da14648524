"""The `moderato` command: serve, dev, db (Flask-Migrate), and the operator commands of later features."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from flask.cli import FlaskGroup

from service.settings import PROJECT_ROOT, resolve_path


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
    from service import audit
    from service.schemas import AuditEventOut

    schema = AuditEventOut()
    for event in audit.export_events(action=action, comment_id=comment_id):
        click.echo(json.dumps(schema.dump(event), ensure_ascii=False))


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


@main.command("evaluate", with_appcontext=False, context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def evaluate(args: tuple[str, ...]) -> None:
    """Print a model's metrics on labelled data as JSON: --model DIR --data PATH [--data PATH ...]."""
    from service.classifier.evaluate import main as evaluate_main

    raise SystemExit(evaluate_main(list(args)))


@main.group("model")
def model() -> None:
    """The model registry: list, register, shadow, promote, rollback."""


def _configured_model_path() -> Path:
    from flask import current_app

    return resolve_path(current_app.config["MODERATO"]["model"]["path"])


@model.command("list")
def model_list() -> None:
    """Every registered version, newest first."""
    from service import registry

    registry.ensure_active(_configured_model_path(), "cli")
    for item in registry.registrations():
        click.echo(f"{item.version}\t{item.state}\t{item.path}")


@model.command("register")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
def model_register(path: Path) -> None:
    """Register a trained model folder as a candidate."""
    from service import registry

    click.echo(registry.register(path, "cli").version)


@model.command("shadow")
@click.argument("version")
def model_shadow(version: str) -> None:
    """Score new comments with VERSION too, without acting on it."""
    from service import registry

    registry.set_shadow(version, "cli")
    click.echo(f"{version} is now the shadow model")


@model.command("promote")
@click.argument("version")
@click.option("--force", is_flag=True, help="Promote even when the quality gate refuses (audited).")
def model_promote(version: str, force: bool) -> None:
    """Make VERSION active in every worker within seconds (after the quality gate)."""
    from service import registry
    from service.errors import ServiceError

    try:
        _, gate = registry.promote(version, "cli", _configured_model_path(), force)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"{version} is now active; gate: {gate.as_dict()}")


@model.command("rollback")
def model_rollback() -> None:
    """Return to the previously active version."""
    from service import registry
    from service.errors import ServiceError

    try:
        restored = registry.rollback("cli", _configured_model_path())
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"{restored.version} is active again")


@main.command("train")
@click.option(
    "--data",
    "data",
    multiple=True,
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="CSV file or folder of CSVs (repeatable); the shared public datasets are recognised by their columns.",
)
@click.option("--include-decisions", is_flag=True, help="Also learn from this site's moderator decisions.")
@click.option("--out", default="models", type=click.Path(file_okay=False, path_type=Path), show_default=True)
@click.option("--seed", default=0, type=int, show_default=True)
@click.option("--version", default=None, help="YYYY-MM-DD.N (default: the next free one for today).")
@click.option("--language", "languages", multiple=True, help="Train only this language (repeatable; default: all).")
@click.option(
    "--if-new",
    "if_new",
    type=click.IntRange(min=1),
    default=None,
    help="With --include-decisions: exit quietly (status 0) unless at least this many decisions were made since the "
    "last version trained on them (for cron).",
)
def train(
    data: tuple[Path, ...],
    include_decisions: bool,
    out: Path,
    seed: int,
    version: str | None,
    languages: tuple[str, ...],
    if_new: int | None,
) -> None:
    """Train and evaluate a model version, write it with its model card, and register it as a candidate."""
    from service import learning, registry

    if if_new is not None and not include_decisions:
        raise click.UsageError("--if-new needs --include-decisions")
    if if_new is not None and learning.new_decisions_since_last_training() < if_new:
        return
    if include_decisions:
        # The active version's public models are reused when this run would fit the very same ones.
        active = resolve_path(registry.ensure_active(_configured_model_path(), "cli").path)
        folder = learning.train_with_site_decisions(list(data), out, seed=seed, version=version, reuse_from=active)
    else:
        from service.classifier.train import train_model

        folder = train_model(list(data), out, seed=seed, version=version, languages=list(languages) or None)
    registration = registry.register(folder, "cli")
    click.echo(f"{folder} registered as {registration.state} {registration.version}")


@main.group("webhooks")
def webhooks_group() -> None:
    """Webhook deliveries from the outbox."""


@webhooks_group.command("deliver")
@click.option("--limit", default=500, show_default=True, help="Most deliveries to send in this run.")
@click.option("--every", default=0, show_default=True, help="Seconds between runs; 0 = run once (for cron).")
def webhooks_deliver(limit: int, every: int) -> None:
    """Send due webhook deliveries (signed, retried with backoff); run from cron every minute, or with --every."""
    import time

    from service import webhooks
    from service.extensions import db

    while True:
        run = webhooks.deliver_due(limit=limit)
        db.session.remove()
        click.echo(f"delivered={run.delivered} retrying={run.retrying} failed={run.failed}")
        if not every:
            return
        time.sleep(every)


@main.group("authors")
def authors_group() -> None:
    """Authors' records."""


@authors_group.command("backfill")
def authors_backfill() -> None:
    """Key comments stored before author records existed by their author (run once after upgrading)."""
    from flask import current_app

    from service import authors

    keyed = authors.backfill_keys(str(current_app.config["SECRET_KEY"]))
    click.echo(f"{keyed} comments keyed")
