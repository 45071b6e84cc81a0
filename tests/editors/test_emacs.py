"""Emacs with eglot, headless: the configuration in README.md, loaded as written,
shows Backend Lens findings through flymake; the quick fix (M-x eglot-code-actions)
and the report command it documents work."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from .conftest import PYTHON, REPO, find_tool, missing

INSTALL = "editors/install/emacs.sh"

DRIVER = r"""
;; As at a normal Emacs start: Debian's elpa packages (eglot 1.9 on Emacs 28) are activated.
(package-initialize)
(require 'json)
(load (getenv "BL_SNIPPET") nil t)
(require 'eglot)
(require 'flymake)
(defun bl-out (value)
  (with-temp-file (getenv "BL_OUT") (insert (json-encode value))))
(find-file (getenv "BL_FILE"))
;; eglot-ensure connects from post-command-hook, which batch mode never runs by itself
(run-hooks 'post-command-hook)
(defun bl-codes ()
  (mapcar (lambda (d) (and (string-match "\\[\\([A-Z]+[0-9]+\\)\\]" (flymake-diagnostic-text d))
                           (match-string 1 (flymake-diagnostic-text d))))
          (flymake-diagnostics)))
;; local findings come first; those judged against the project index (ORM001 needs
;; models.py) follow once the workspace is indexed: wait for both, or time out
(let ((deadline (+ (float-time) 60)))
  (while (and (not (and (eglot-current-server)
                        (member "INT001" (bl-codes)) (member "ORM001" (bl-codes))))
              (< (float-time) deadline))
    (accept-process-output nil 0.05)))
;; what flymake shows before anything is changed
(defvar bl-before
  (mapcar (lambda (d)
            (list (cons 'line (line-number-at-pos (flymake-diagnostic-beg d)))
                  (cons 'column (save-excursion
                                  (goto-char (flymake-diagnostic-beg d))
                                  (current-column)))
                  (cons 'type (symbol-name (flymake-diagnostic-type d)))
                  (cons 'text (flymake-diagnostic-text d))))
          (flymake-diagnostics)))
(defun bl-line (n)
  (save-excursion (goto-char (point-min)) (forward-line (1- n))
                  (buffer-substring-no-properties (line-beginning-position) (line-end-position))))
;; M-x eglot-code-actions on the INT001 call, as the README says; the user picks the
;; server's timeout fix from the menu (completing-read answers for them here)
(defvar bl-menu nil)
(defvar bl-fixed nil)
(let ((diag (seq-find (lambda (d) (string-match-p "\\[INT001\\]" (flymake-diagnostic-text d)))
                      (flymake-diagnostics))))
  (when diag
    (cl-letf (((symbol-function 'completing-read)
               (lambda (_prompt collection &rest _)
                 (setq bl-menu (mapcar (lambda (c) (if (consp c) (car c) c)) collection))
                 (seq-find (lambda (title) (string-match-p "timeout" title)) bl-menu))))
      ;; as after a key press (M-x ... RET): the menu is a completing-read, not a popup
      (let ((last-nonmenu-event ?\r))
        (eglot-code-actions (flymake-diagnostic-beg diag) (flymake-diagnostic-end diag) nil t)))
    ;; the edit is in the buffer at once; the new diagnostics arrive after didChange,
    ;; which eglot sends from an idle timer: batch mode is never idle, so send it now
    (setq bl-fixed (bl-line 15))
    (eglot--signal-textDocument/didChange)
    (let ((deadline (+ (float-time) 30)))
      (while (and (member "INT001" (bl-codes)) (< (float-time) deadline))
        (accept-process-output nil 0.05)))))
(let* ((server (eglot-current-server))
       (report (and server
                    (eglot-execute-command server "backendLens.generateReport" []))))
  (bl-out (list (cons 'mode (symbol-name major-mode))
                (cons 'managed (if (and server eglot--managed-mode) t :json-false))
                (cons 'root (and server (expand-file-name (project-root (eglot--project server)))))
                (cons 'diagnostics (vconcat bl-before))
                (cons 'report report)
                (cons 'menu (vconcat bl-menu))
                (cons 'fixed_line bl-fixed)
                (cons 'codes_after_fix (vconcat (bl-codes)))
                (cons 'modified (if (buffer-modified-p) t :json-false)))))
(kill-emacs 0)
"""


def readme_snippet() -> str:
    """The Emacs configuration exactly as README.md gives it."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("**Emacs**") : text.index("**Helix**")]
    match = re.search(r"```elisp\n(.*?)```", section, re.S)
    assert match, "README.md has no elisp block under **Emacs**"
    return match.group(1)


@pytest.fixture
def emacs() -> str:
    exe = find_tool("emacs", install=INSTALL)
    probe = subprocess.run(
        [exe, "--batch", "-q", "--eval", "(progn (package-initialize) (require 'eglot))"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if probe.returncode != 0:
        missing(f"eglot is not installed for {exe}: run `{INSTALL}`")
    return exe


def test_readme_configuration_shows_findings_through_flymake(
    emacs, workspace, editor_home, tmp_path
):
    # a project under git, as most are: eglot (project.el) takes its root from it
    subprocess.run(["git", "init", "-q", str(workspace)], check=True)
    snippet = tmp_path / "backend-lens.el"
    snippet.write_text(readme_snippet(), encoding="utf-8")
    out = tmp_path / "result.json"
    driver = tmp_path / "driver.el"
    driver.write_text(DRIVER, encoding="utf-8")
    env = dict(editor_home)
    # the README's `backend-lens` command, from the environment running the tests
    env["PATH"] = str(Path(PYTHON).parent) + os.pathsep + env.get("PATH", "")
    env.update(
        BL_SNIPPET=str(snippet), BL_OUT=str(out), BL_FILE=str(workspace / "shop" / "views.py")
    )
    run = subprocess.run(
        [emacs, "--batch", "-q", "-l", str(driver)],
        env=env,
        cwd=workspace,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0 and out.exists(), run.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["mode"] == "python-mode"
    assert result["managed"] is True, run.stderr[-3000:]
    assert Path(result["root"]).resolve() == workspace.resolve()
    found = {(d["line"], d["text"].split("]")[0].split("[")[-1]) for d in result["diagnostics"]}
    # what flymake lists: the rule code in the message, on the line the CLI names
    assert (15, "INT001") in found, result["diagnostics"]
    assert (10, "ORM001") in found, result["diagnostics"]
    int001 = next(d for d in result["diagnostics"] if "[INT001]" in d["text"])
    assert int001["type"] == "eglot-warning" and int001["column"] == 11
    assert "no timeout" in int001["text"]
    # the initialization options in the snippet were accepted without complaint
    assert "unknown setting" not in run.stderr and "matches no rule" not in run.stderr
    # M-x eglot-code-actions, as the README says: the menu offers the server's fix and
    # the suppression; the fix edits the buffer (not the file), and INT001 goes away
    assert "Add timeout=10 (INT001)" in result["menu"], result["menu"]
    assert any("Suppress" in title for title in result["menu"]), result["menu"]
    assert (
        result["fixed_line"]
        == '    return requests.get("https://partner.example/ping", timeout=10)'
    )
    assert "INT001" not in result["codes_after_fix"] and "ORM001" in result["codes_after_fix"]
    assert result["modified"] is True
    assert "timeout=" not in (workspace / "shop" / "views.py").read_text()
    # the report command the README documents writes the report into the project
    report = workspace / "backend-lens-report.md"
    assert result["report"] == report.as_uri()
    assert "Backend Development Report" in report.read_text(encoding="utf-8")
