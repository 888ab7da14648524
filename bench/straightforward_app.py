"""Control target (d) of bench/throughput.py: the "straightforward build" that issue #8 sets its targets against.

Flask, the Flask-SQLAlchemy ORM and scikit-learn's ``predict_proba``, on Moderato's model and table, and nothing
more: the same request validation (marshmallow ``CommentIn``), one ``predict_proba`` per comment, the default
publish threshold (the default policy holds the rest), one ORM insert and a durable commit in WAL mode, as Moderato
does. It does less than Moderato (no repeat lookup, rules, audit event or explanation), so a ratio against it
understates how much cheaper Moderato's path is.

Environment: MODERATO_DATABASE_URL (a database migrated with `moderato db upgrade`) and MODERATO_MODEL_PATH.
"""

from __future__ import annotations

import os

from flask import Flask, request
from flask.typing import ResponseReturnValue
from sqlalchemy import event

from service.classifier.artifact import load_artifact
from service.classifier.pipeline import TARGETS, predict_targets
from service.extensions import db
from service.records import Comment
from service.schemas import CommentIn
from service.settings import load_settings

POLICY = load_settings()["policy"]

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["MODERATO_DATABASE_URL"]
db.init_app(app)
if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
    with app.app_context():
        # Two workers write at once: without WAL the straightforward build fails on locks, not on CPU.
        event.listen(db.engine, "connect", lambda connection, _: connection.execute("PRAGMA journal_mode=WAL"))
pipeline, card = load_artifact(os.environ["MODERATO_MODEL_PATH"])
# The card names the pipeline's columns (versions before issue 17 have the first three of TARGETS).
TARGETS_OF_MODEL = card.get("targets", TARGETS[: len(pipeline.named_steps["clf"].estimators_)])


@app.post("/api/v1/comments")
def create_comment() -> ResponseReturnValue:
    payload = CommentIn().load(request.get_json())
    probabilities = predict_targets(pipeline, [payload["body"]])[0]
    score = float(probabilities[0])
    status = "published" if score < POLICY["publish_below"] else "pending"
    comment = Comment(
        article_id=payload["article_id"],
        author_name=payload["author_name"],
        author_email=payload["author_email"],
        body=payload["body"],
        status=status,
        score=score,
        categories={target: float(p) for target, p in zip(TARGETS_OF_MODEL[1:], probabilities[1:], strict=True)},
        model_version=card["version"],
    )
    db.session.add(comment)
    db.session.commit()
    return {"id": comment.id, "status": status}, 201
