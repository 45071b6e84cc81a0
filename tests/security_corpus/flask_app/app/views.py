"""Public blog pages."""

import os

import requests
from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    render_template_string,
    request,
    url_for,
)
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape
from sqlalchemy import text

from . import db
from .models import Post, User
from .queries import count_rows, legacy_comment, posts_by_author, posts_by_tag

bp = Blueprint("main", __name__)

SORTABLE = {"created": "p.created_at DESC", "title": "p.title"}
RETURN_PATHS = {"/", "/posts", "/account"}
email_env = Environment(loader=FileSystemLoader("templates/email"), autoescape=True)  # safe: CWE-79


@bp.route("/search")
def search():
    q = request.args.get("q", "")
    rows = db.session.execute(text("SELECT id, title FROM post WHERE title LIKE '%" + q + "%'")).fetchall()  # vuln: CWE-89
    bound = db.session.execute(text("SELECT id, title FROM post WHERE title LIKE :q"), {"q": f"%{q}%"})  # safe: CWE-89
    if request.args.get("format") == "json":
        return jsonify(query=q, ids=[r.id for r in rows], bound=[r.id for r in bound])  # safe: CWE-79
    return f"<h2>Results for {q}</h2><p>{len(rows)} posts</p>"  # vuln: CWE-79


@bp.route("/posts")
def list_posts():
    sort = request.args.get("sort", "created")
    order = SORTABLE.get(sort, "p.created_at DESC")
    posts = db.session.execute(text(f"SELECT p.id, p.title FROM post p ORDER BY {order}")).fetchall()  # safe: CWE-89
    status = request.args.get("status", "published")
    if status not in ("draft", "published"):
        abort(400)
    counted = db.session.execute(text(f"SELECT COUNT(*) FROM post WHERE status = '{status}'")).scalar()  # safe: CWE-89
    author_filter = request.values.get("author")
    if author_filter:
        posts = Post.query.filter(text("author_id IN (SELECT id FROM user WHERE username = '" + author_filter + "')")).all()  # vuln: CWE-89
    return render_template("posts.html", posts=posts, total=counted, tables=count_rows("post"))  # safe: CWE-79


@bp.route("/authors/<username>")
def author_page(username):
    posts = posts_by_author(username)
    tagged = posts_by_tag(request.args.get("tag", "news"))
    comment = legacy_comment(request.args.get("comment", "0"))
    return render_template("author.html", username=username, posts=posts, tagged=tagged, comment=comment)


@bp.route("/hello/<name>")
def hello(name):
    return render_template_string("<h1>Hello {{ name }}!</h1>", name=name)  # safe: CWE-1336


@bp.route("/card")
def card():
    title = request.args.get("title", "Untitled")
    template = "<div class='card'><h3>" + title + "</h3></div>"
    return render_template_string(template)  # vuln: CWE-1336, CWE-79


@bp.route("/comment/preview", methods=["POST"])
def comment_preview():
    comment = request.form.get("comment", "")
    escaped = Markup("<blockquote>{}</blockquote>").format(comment)  # safe: CWE-79
    raw = Markup(f"<blockquote>{comment}</blockquote>")  # vuln: CWE-79
    plain = escape(comment)  # safe: CWE-79
    resp = make_response(render_template("preview.html", escaped=escaped, raw=raw, plain=plain))
    return resp


@bp.route("/signature", methods=["POST"])
def signature():
    html = request.form["signature"]
    return make_response(f"<div class='sig'>{html}</div>")  # vuln: CWE-79


@bp.route("/go")
def go():
    target = request.args.get("next") or url_for("main.list_posts")
    return redirect(target)  # vuln: CWE-601


@bp.route("/continue")
def continue_to():
    target = request.args.get("to", "/")
    if target not in RETURN_PATHS:
        target = url_for("main.list_posts")
    return redirect(target)  # safe: CWE-601


@bp.route("/users/<username>/follow", methods=["POST"])
def follow(username):
    user = User.query.filter_by(username=username).first_or_404()
    return redirect(url_for("main.author_page", username=user.username))  # safe: CWE-601


@bp.route("/preview-link")
def preview_link():
    link = request.args["url"]
    page = requests.get(link, timeout=5, allow_redirects=False)  # vuln: CWE-918
    health = requests.get(current_app.config.get("STATUS_URL", "https://status.example.com"), timeout=3)  # safe: CWE-918
    return jsonify(status=page.status_code, up=health.ok)


@bp.route("/export/<kind>")
def export(kind):
    exports = current_app.config["EXPORT_DIR"]
    return jsonify(files=sorted(os.listdir(exports)), kind=kind)
