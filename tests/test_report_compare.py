"""`backend-lens report PATH --compare REF`: the report opens with what changed
since the git revision REF (new and fixed findings, score deltas), read from git
without touching the user's working tree, index or cache."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from backend_lens.cli import main
from backend_lens.config import Config
from backend_lens.gitref import ref_tree, resolve

ROOT = Path(__file__).resolve().parents[1]
HEADINGS = re.findall(
    r"^#{1,3} .+$", (ROOT / "tests" / "report-template-headings.txt").read_text(), re.M
)
APPENDIX = "## Appendix: All Findings"  # after the template's headings when there are findings

# at REF: A (line 13) and C (line 20) are HTTP calls without a timeout (INT001)
APP_AT_REF = """\
import os

import requests
from flask import Flask, jsonify

app = Flask(__name__)
USERS_URL = os.environ["USERS_URL"]
STATUS_URL = os.environ["STATUS_URL"]


@app.route("/users/<int:user_id>")
def get_user(user_id):
    response = requests.get(USERS_URL + str(user_id))
    response.raise_for_status()
    return jsonify(response.json())


@app.route("/health")
def health():
    requests.head(STATUS_URL)
    return jsonify({"ok": True})
"""

# now: A has a timeout (fixed), a helper is added above C (which moves from line
# 20 to 26, unchanged), and B is a new POST endpoint open to anyone (AUTH002)
APP_NOW = """\
import os

import requests
from flask import Flask, jsonify, request

app = Flask(__name__)
USERS_URL = os.environ["USERS_URL"]
STATUS_URL = os.environ["STATUS_URL"]
ORDERS = []


@app.route("/users/<int:user_id>")
def get_user(user_id):
    response = requests.get(USERS_URL + str(user_id), timeout=5)
    response.raise_for_status()
    return jsonify(response.json())


def version():
    \"\"\"An unrelated helper, added above health().\"\"\"
    return "1.0"


@app.route("/health")
def health():
    requests.head(STATUS_URL)
    return jsonify({"ok": True})


@app.route("/orders", methods=["POST"])
def create_order():
    ORDERS.append(request.get_json())
    return jsonify({"ok": True}), 201
"""

GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV},
        check=True,
    )
    return done.stdout


def make_repo(repo: Path, app_dir: str = "") -> Path:
    """A repository whose last commit (tagged v1) holds APP_AT_REF, with APP_NOW
    in the working tree (not committed). Returns the project folder."""
    project = repo / app_dir if app_dir else repo
    project.mkdir(parents=True)
    git(repo, "init", "-q")
    (project / "app.py").write_text(APP_AT_REF)
    (repo / "README.md").write_text("a shop\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first")
    git(repo, "tag", "v1")
    (project / "app.py").write_text(APP_NOW)
    return project


def report(project: Path, out: Path, *args: str) -> str:
    assert main(["report", str(project), "-q", "--no-cache", "-j", "1", "-o", str(out), *args]) == 0
    return out.read_text()


def section(md: str) -> str:
    """The text of `## Changes since ...`, up to the next `##` heading."""
    m = re.search(r"^## Changes since .*?(?=^## )", md, re.M | re.S)
    assert m, md[:500]
    return m.group(0)


def bullets(text: str, after: str) -> list[str]:
    """The list items of ``text`` after the line starting with ``after``."""
    lines = text.split(after, 1)[1].splitlines()[1:]
    out = []
    for line in lines:
        if not line.startswith("- "):
            break
        out.append(line)
    return out


def test_new_and_fixed_findings_and_score_deltas_since_head(tmp_path):
    project = make_repo(tmp_path / "repo")
    md = report(project, tmp_path / "r.md", "--compare", "HEAD")
    text = section(md)
    commit = git(project, "rev-parse", "HEAD").strip()
    assert text.startswith("## Changes since `HEAD`\n")
    assert f"compared with commit `{commit[:12]}`" in text
    new = bullets(text, "New findings (1):")
    assert new == [
        "- **AUTH002** [error] `app.py:31` — `create_order` serves POST on /orders to "
        "anonymous callers: anyone who finds the URL can change data"
    ]
    fixed = bullets(text, "Fixed findings (1), as they were at `HEAD`:")
    assert len(fixed) == 1
    assert fixed[0].startswith(
        "- **INT001** [warning] `app.py:13` — `requests.get()` has no timeout"
    )
    # C moved from line 20 to 26 and RATE003's message changed: neither is new or fixed
    assert "requests.head()" not in text and "RATE003" not in text
    assert "- **Findings**: 1 new finding (1 error), 1 fixed (1 warning), 2 unchanged." in text
    # the scores then are those of a report on REF itself
    ref_copy = tmp_path / "at-ref"
    ref_copy.mkdir()
    (ref_copy / "app.py").write_text(APP_AT_REF)
    then = json.loads(report(ref_copy, tmp_path / "then.json", "--format", "json"))["scores"]
    now = json.loads(report(project, tmp_path / "now.json", "--format", "json"))["scores"]
    for key, name in (("api", "API Design"), ("service", "Service Architecture")):
        before, after = then[key]["value"], now[key]["value"]
        assert before is not None and after is not None and before != after
        delta = round(after - before, 1)
        sign = "+" if delta > 0 else "−"
        assert f"- **{name}**: {before} → {after} ({sign}{abs(delta)})" in text
    assert "- **Database Performance**: not enough evidence then or now" in text
    # the rest of the report is the working tree's
    assert "`app.py:31`" in md.split("## Executive Summary", 1)[1]


def test_a_tag_and_a_commit_name_give_the_same_changes(tmp_path):
    project = make_repo(tmp_path / "repo")
    commit = git(project, "rev-parse", "HEAD").strip()
    by_head = section(report(project, tmp_path / "a.md", "--compare", "HEAD"))
    by_tag = section(report(project, tmp_path / "b.md", "--compare", "v1"))
    by_sha = section(report(project, tmp_path / "c.md", "--compare", commit[:10]))
    assert by_tag.startswith("## Changes since `v1`\n")
    assert by_tag.replace("`v1`", "`HEAD`") == by_head
    assert by_sha.replace(f"`{commit[:10]}`", "`HEAD`") == by_head


def test_no_changes_when_the_working_tree_is_ref(tmp_path):
    project = make_repo(tmp_path / "repo")
    git(project, "commit", "-q", "-a", "-m", "second")
    text = section(report(project, tmp_path / "r.md", "--compare", "HEAD"))
    assert "- **Findings**: 0 new findings, 0 fixed, 3 unchanged." in text
    assert "No new findings." in text
    assert "No findings fixed since `HEAD`." in text
    assert "(no change)" in text and "→" in text
    # and against the first commit, the same changes as before the commit
    text = section(report(project, tmp_path / "r2.md", "--compare", "HEAD~1"))
    assert "1 new finding (1 error), 1 fixed (1 warning), 2 unchanged" in text


def test_a_finding_on_an_edited_line_is_unchanged_when_its_message_is(tmp_path):
    project = make_repo(tmp_path / "repo")
    edited = APP_NOW.replace(
        "    requests.head(STATUS_URL)\n", "    requests.head(\n        STATUS_URL,\n    )\n"
    )
    assert edited != APP_NOW
    (project / "app.py").write_text(edited)
    text = section(report(project, tmp_path / "r.md", "--compare", "HEAD"))
    assert "requests.head()" not in text  # C: reformatted, the same finding
    assert (
        "- **Findings**: 1 new finding (1 error), 1 fixed (1 warning), "
        "2 unchanged (1 on an edited line)." in text
    )


def test_a_different_message_on_an_edited_line_is_new_and_fixed(tmp_path):
    project = make_repo(tmp_path / "repo")
    # A's line now calls post() without a timeout: the same rule in the same
    # file, but another finding (its message names the other call)
    changed = APP_NOW.replace(
        "requests.get(USERS_URL + str(user_id), timeout=5)", "requests.post(USERS_URL)"
    )
    (project / "app.py").write_text(changed)
    text = section(report(project, tmp_path / "r.md", "--compare", "HEAD"))
    new = bullets(text, "New findings (2):")
    assert new[1].startswith(
        "- **INT001** [warning] `app.py:14` — `requests.post()` has no timeout"
    )
    fixed = bullets(text, "Fixed findings (1), as they were at `HEAD`:")
    assert fixed[0].startswith(
        "- **INT001** [warning] `app.py:13` — `requests.get()` has no timeout"
    )
    assert "2 unchanged." in text


def test_both_trees_are_analysed_with_the_working_trees_settings(tmp_path):
    project = make_repo(tmp_path / "repo")
    (project / "pyproject.toml").write_text('[tool.backend-lens]\nignore = ["INT001"]\n')
    git(project, "add", "pyproject.toml")
    git(project, "commit", "-q", "-m", "INT001 ignored")
    (project / "pyproject.toml").unlink()  # now INT001 counts again
    text = section(report(project, tmp_path / "r.md", "--compare", "HEAD"))
    # with REF's own settings C (INT001, unchanged) would be new: it is not
    assert "requests.head()" not in text
    assert "1 new finding (1 error), 1 fixed (1 warning), 2 unchanged" in text


def test_a_subfolder_is_compared_with_paths_from_it(tmp_path):
    project = make_repo(tmp_path / "repo", app_dir="services/shop")
    text = section(report(project, tmp_path / "r.md", "--compare", "HEAD"))
    assert bullets(text, "New findings (1):")[0].startswith("- **AUTH002** [error] `app.py:31`")
    assert bullets(text, "Fixed findings (1)")[0].startswith("- **INT001** [warning] `app.py:13`")
    assert "services/" not in text


def test_a_folder_that_is_new_since_ref_has_only_new_findings(tmp_path):
    repo = tmp_path / "repo"
    make_repo(repo)
    fresh = repo / "api"
    fresh.mkdir()
    (fresh / "app.py").write_text(APP_NOW)
    text = section(report(fresh, tmp_path / "r.md", "--compare", "HEAD"))
    assert "which has no files in this folder: every finding is new" in text
    assert (
        "- **Findings**: 3 new findings (1 error, 1 warning, 1 info), 0 fixed, 0 unchanged." in text
    )


def test_findings_in_tests_are_counted_apart(tmp_path):
    project = make_repo(tmp_path / "repo")
    (project / "tests").mkdir()
    (project / "tests" / "test_users.py").write_text(
        "import requests\n\n\ndef test_users():\n    assert requests.get('http://x').ok\n"
    )
    text = section(report(project, tmp_path / "r.md", "--compare", "HEAD"))
    assert "1 new finding (1 error)" in text  # AUTH002 only: the test's finding is not scored
    assert "in tests, scripts and applied migrations (not scored): 1 new, 0 fixed" in text
    assert "test_users.py" not in text


def test_json_has_the_same_changes(tmp_path):
    project = make_repo(tmp_path / "repo")
    data = json.loads(report(project, tmp_path / "r.json", "--compare", "v1", "--format", "json"))
    c = data["changes"]
    assert c["ref"] == "v1" and c["commit"] == git(project, "rev-parse", "v1").strip()
    assert (c["new_count"], c["fixed_count"], c["unchanged"]) == (1, 1, 2)
    assert [(i["code"], i["path"], i["line"]) for i in c["new"]] == [("AUTH002", "app.py", 31)]
    assert [(i["code"], i["path"], i["line"]) for i in c["fixed"]] == [("INT001", "app.py", 13)]
    api = c["scores"]["api"]
    assert api["after"] == data["scores"]["api"]["value"]
    assert api["delta"] == round(api["after"] - api["before"], 1) < 0
    assert c["scores"]["database"] == {
        "name": "Database Performance",
        "before": None,
        "after": None,
        "delta": None,
    }
    assert c["not_scored"] == {"new": 0, "fixed": 0}
    plain = json.loads(report(project, tmp_path / "p.json", "--format", "json"))
    assert plain["changes"] is None


def test_headings_and_html(tmp_path):
    project = make_repo(tmp_path / "repo")
    md = report(project, tmp_path / "r.md", "--compare", "HEAD")
    found = re.findall(r"^#{1,3} .+$", md, re.M)
    expected = [h for h in HEADINGS if h != "## Critical Implementation Issues"]
    assert found == [expected[0], "## Changes since `HEAD`", *expected[1:], APPENDIX]
    html = report(project, tmp_path / "r.html", "--compare", "HEAD", "--format", "html")
    assert '<h2 id="changes-since">Changes since <code>HEAD</code>' in html
    assert '<a href="#changes-since">Changes since HEAD</a>' in html  # in the sidebar
    section = html.split('<section id="changes-section"')[1].split("</section>")[0]
    assert html.index('id="changes-since"') < html.index('id="executive-summary"')
    # the same counts and findings as the Markdown section
    counts = re.search(r"^- \*\*Findings\*\*: (.*?)\.$", md, re.M).group(1)
    assert f"<strong>Findings</strong>: {counts}." in section
    listed = md.split("New findings")[1].split("Fixed findings")[0]
    new = re.findall(r"^- \*\*([A-Z]+\d{3})\*\* \[\w+\] `([^`]+)`", listed, re.M)
    assert new
    for code, location in new:
        link = rf'<span class="rule">{code}</span> <a class="loc" href="[^"]+">{re.escape(location)}</a>'
        assert re.search(link, section)
    # a fixed finding is REF's: named, not linked (the line may be gone)
    at_ref = md.split("Fixed findings")[1].split("\n## ")[0]
    fixed = re.findall(r"^- \*\*([A-Z]+\d{3})\*\* \[\w+\] `([^`]+)`", at_ref, re.M)
    assert fixed
    for code, location in fixed:
        assert f'<span class="rule">{code}</span> <code>{location}</code>' in section


def test_a_long_list_is_cut_with_a_count(tmp_path):
    project = make_repo(tmp_path / "repo")
    calls = "".join(
        f"\n\ndef call_{n}():\n    return requests.delete(STATUS_URL + '/{n}')\n" for n in range(25)
    )
    (project / "app.py").write_text(APP_NOW + calls)
    text = section(report(project, tmp_path / "r.md", "--compare", "HEAD"))
    listed = bullets(text, "New findings (26):")
    assert len(listed) == 21 and listed[-1] == "- and 6 more (`--format json` lists them all)"
    assert listed[0].startswith("- **AUTH002** [error]")  # the most severe first


def test_the_working_tree_and_index_are_untouched_and_refs_copy_is_removed(tmp_path):
    project = make_repo(tmp_path / "repo")
    (project / "draft.py").write_text("import requests\nrequests.get('http://x')\n")
    git(project, "add", "draft.py")  # staged, not committed
    status = git(project, "status", "--porcelain", "--untracked-files=all")
    files = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    temp, cache = tmp_path / "tmp", tmp_path / "cache"
    temp.mkdir()
    texts = []
    for options in (["--cache-dir", str(cache)], ["--cache-dir", str(cache)], ["--no-cache"]):
        out = tmp_path / "r.md"
        r = subprocess.run(
            [sys.executable, "-m", "backend_lens", "report", str(project), "--compare", "HEAD"]
            + ["-o", str(out), "-q", *options],
            capture_output=True,
            text=True,
            env={**os.environ, "TMPDIR": str(temp), "BACKEND_LENS_CACHE_DIR": str(cache)},
        )
        assert r.returncode == 0, r.stderr
        assert r.stderr == ""
        texts.append(section(out.read_text()))
        assert {p: p.read_bytes() for p in project.rglob("*") if p.is_file()} == files
        assert git(project, "status", "--porcelain", "--untracked-files=all") == status
        assert list(temp.iterdir()) == []  # no copy of REF left in the temporary folder
        # nor in the cache folder, where only a run's lock stays
        assert [p.name for p in (cache / "compare").rglob("*") if p.is_file()] == ["lock"]
    assert "`draft.py:2`" in texts[0]  # staged work is the working tree's
    assert texts[0] == texts[1] == texts[2]
    # two result caches, the working tree's and REF's copy's (served to the second run)
    caches = sorted(p for p in cache.iterdir() if p.name != "compare")
    assert [p.name.startswith("repo-") for p in caches] == [True, True]
    import sqlite3

    rows = set()
    for folder in caches:
        with sqlite3.connect(folder / "results.sqlite") as db:
            rows |= {os.fsdecode(row[0]) for row in db.execute("SELECT path FROM files")}
    at_ref = [p for p in rows if p.endswith(os.path.join("", "tree", "repo", "app.py"))]
    assert len(at_ref) == 1 and not at_ref[0].startswith(str(tmp_path / "repo"))
    assert rows == {str(project.resolve() / "app.py"), str(project.resolve() / "draft.py"), *at_ref}


def test_refs_copy_holds_its_regular_files_only_and_is_removed(tmp_path):
    project = make_repo(tmp_path / "repo", app_dir="shop")
    outside = tmp_path / "outside.py"
    outside.write_text("import requests\nrequests.get('http://x')\n")
    (project / "link.py").symlink_to(outside)
    (project / "node_modules").mkdir()
    (project / "node_modules" / "x.py").write_text("x = 1\n")
    (project / "sub").mkdir()
    (project / "sub" / "a b.py").write_text("y = 2\n")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "a link out, an excluded folder, a name with a space")
    source = resolve(project, "HEAD")
    assert (source.top, source.prefix) == (tmp_path / "repo", "shop")
    with ref_tree(source, Config(), "shop") as copy:
        root = copy.root
        assert root.name == "shop" and (copy.files, copy.unreadable) == (2, [])
        files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir())
        assert files == ["app.py", "sub/a b.py"]  # no link, nothing excluded, nothing above PATH
        assert (root / "app.py").read_text() == APP_NOW  # as committed by the second commit
        assert not any(p.is_symlink() for p in root.rglob("*"))
    assert not root.parent.exists()


def test_files_whose_objects_are_missing_are_named_and_left_out(tmp_path):
    project = make_repo(tmp_path / "repo")
    (project / "extra.py").write_text("import requests\nrequests.get(URL)\n")
    git(project, "add", "extra.py")
    git(project, "commit", "-q", "-m", "extra")
    blob = git(project, "rev-parse", "HEAD:extra.py").strip()
    (project / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # as a partial clone lacks it
    text = section(report(project, tmp_path / "r.md", "--compare", "HEAD"))
    assert "1 file of `HEAD` could not be read from git" in text
    assert "is left out: `extra.py`." in text
    # so its finding, in the working tree, is new
    assert bullets(text, "New findings (2):")[1].startswith("- **INT001** [warning] `extra.py:2`")


def test_refs_copy_is_kept_in_one_place_by_one_run_at_a_time(tmp_path):
    import fcntl

    project = make_repo(tmp_path / "repo")
    source = resolve(project, "HEAD")
    keep_in = tmp_path / "cache" / "compare" / "repo-1"
    with ref_tree(source, Config(), "repo", keep_in) as copy:
        assert copy.kept and copy.root == (keep_in / "tree" / "repo").resolve()
        assert (copy.root / "app.py").read_text() == APP_AT_REF
        # a second run meanwhile gets a temporary folder of its own
        with ref_tree(source, Config(), "repo", keep_in) as other:
            assert not other.kept and keep_in not in other.root.parents
            assert (other.root / "app.py").read_text() == APP_AT_REF
        assert not other.root.exists()
    assert not (keep_in / "tree").exists()
    with open(keep_in / "lock") as held:  # the lock is free again, and is a lock
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)


@pytest.mark.parametrize(
    ("setup", "ref", "message"),
    [
        ("plain", "HEAD", r"--compare: .* is not in a git repository"),
        (
            "repo",
            "no-such-branch",
            r"--compare: unknown revision 'no-such-branch' in the repository ",
        ),
        ("repo", "HEAD~5", r"--compare: unknown revision 'HEAD~5'"),
        ("repo", "--all", r"--compare needs a git revision .* not '--all'"),
        ("file", "HEAD", r"--compare needs a folder: .*app.py is a file"),
        ("nogit", "HEAD", r"--compare reads REF with git, and git was not found on PATH"),
    ],
)
def test_errors_are_one_line_and_exit_2(tmp_path, monkeypatch, capsys, setup, ref, message):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    if setup == "plain":
        path = tmp_path / "plain"
        path.mkdir()
        (path / "app.py").write_text(APP_NOW)
    else:
        path = make_repo(tmp_path / "repo")
        if setup == "file":
            path = path / "app.py"
        if setup == "nogit":
            empty = tmp_path / "bin"
            empty.mkdir()
            monkeypatch.setenv("PATH", str(empty))
    out = tmp_path / "r.md"
    code = main(["report", str(path), f"--compare={ref}", "-o", str(out), "--no-cache"])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.splitlines()) == 1 and re.match("backend-lens: " + message, err), err
    assert not out.exists()
