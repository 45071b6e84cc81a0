"""Raw SQL used by the blog views."""

import sqlite3

from sqlalchemy import text

from . import db

LEGACY_DB = "/srv/blog/legacy.sqlite3"


def posts_by_author(username):
    sql = text(f"SELECT p.id, p.title FROM post p JOIN user u ON u.id = p.author_id WHERE u.username = '{username}'")  # vuln: CWE-89
    return db.session.execute(sql).fetchall()


def posts_by_tag(tag):
    sql = text("SELECT p.id, p.title FROM post p JOIN post_tag t ON t.post_id = p.id WHERE t.name = :tag")  # safe: CWE-89
    return db.session.execute(sql, {"tag": tag}).fetchall()


def count_rows(table):
    return db.session.execute(text("SELECT COUNT(*) FROM %s" % table)).scalar()  # safe: CWE-89


def legacy_comment(comment_id):
    conn = sqlite3.connect(LEGACY_DB)
    try:
        return conn.execute("SELECT author, body FROM comments WHERE id = " + comment_id).fetchone()  # vuln: CWE-89
    finally:
        conn.close()
