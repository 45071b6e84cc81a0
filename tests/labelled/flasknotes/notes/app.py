"""A small notes service: a Flask app with a JSON API and a sync job."""

from flask import Flask

from notes.api import api


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.from_prefixed_env()
    app.register_blueprint(api, url_prefix="/api")
    return app
