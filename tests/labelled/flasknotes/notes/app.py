"""A small notes service: a Flask app with a JSON API and a sync job."""

from flask import Flask, jsonify

from notes.admin import admin
from notes.api import api


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.from_prefixed_env()
    app.register_blueprint(api, url_prefix="/api")
    app.register_blueprint(admin, url_prefix="/api")

    @app.errorhandler(404)
    def not_found(error):
        return jsonify(error="no such page")  # expect: INT002

    @app.errorhandler(500)
    def server_error(error):
        return jsonify(error="internal error"), 500

    return app
