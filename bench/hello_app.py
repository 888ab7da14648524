"""The baseline of bench/throughput.py: a bare Flask hello-world, served by gunicorn with the project's config."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> dict[str, str]:
    return {"hello": "world"}
