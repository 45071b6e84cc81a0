from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

db = SQLAlchemy()
csrf = CSRFProtect()


def create_app(config_object="app.config.ProductionConfig"):
    app = Flask(__name__)
    app.config.from_object(config_object)
    db.init_app(app)
    csrf.init_app(app)

    from . import admin, auth, extras, search, storage, views

    app.register_blueprint(views.bp)
    app.register_blueprint(storage.bp, url_prefix="/files")
    app.register_blueprint(auth.bp, url_prefix="/auth")
    app.register_blueprint(admin.bp, url_prefix="/admin")
    app.register_blueprint(extras.bp, url_prefix="/x")
    app.register_blueprint(search.bp, url_prefix="/search")
    return app
