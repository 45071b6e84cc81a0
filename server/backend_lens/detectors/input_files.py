"""Input Validation & Sanitization: documents and files a client sends, handled
without the checks they need (XML parsed without defusedxml, uploads saved
unchecked)."""

from __future__ import annotations

import re

from ..source import syntax as sx
from ._helpers import last_assignment
from .base import Context, detector

SECTION = "Input Validation & Sanitization"


# ------------------------------------------------------------------- VAL012

_ET = ("xml.etree.ElementTree", "xml.etree.cElementTree")
STDLIB_XML = {
    *(
        f"{m}.{f}"
        for m in _ET
        for f in ("fromstring", "XML", "parse", "iterparse", "fromstringlist")
    ),
    *(f"xml.dom.{m}.{f}" for m in ("minidom", "pulldom") for f in ("parse", "parseString")),
    "xml.sax.parse",
    "xml.sax.parseString",
}
LXML_XML = {
    *(f"lxml.{m}.{f}" for m in ("etree", "objectify") for f in ("fromstring", "XML", "parse")),
    "lxml.etree.iterparse",
}
LXML_PARSERS = {"lxml.etree.XMLParser", "lxml.objectify.makeparser"}
# the request's raw body or an uploaded file, as written in Django, DRF, Flask, FastAPI
REQUEST_XML = re.compile(r"\b(?:request|req)\.(?:body|data|stream|FILES|files|get_data\b)")


def untrusted_xml(ctx: Context, node, depth: int = 0) -> str | None:
    """How ``node`` holds XML a client sent (``request.body``, ``request.FILES[...]``,
    Flask's ``request.files[...]``/``get_data()``, a FastAPI ``UploadFile``, a name
    assigned one of those in the same function), or None."""
    if node is None or depth > 3:
        return None
    m = REQUEST_XML.search(sx.code(node))
    if m:
        return m.group(0)
    for leaf in [node] if node.type == "name" else sx.walk(node):
        if leaf.type != "name":
            continue
        prev = leaf.get_previous_sibling()
        if prev is not None and prev.type == "operator" and prev.value == ".":
            continue  # an attribute: `x.data` is x's
        assigned = last_assignment(ctx, leaf.value, leaf)
        if assigned is not None:
            found = untrusted_xml(ctx, assigned, depth + 1)
            if found is not None:
                return found
            continue
        scope = ctx.scope(leaf)
        if scope.type == "funcdef":
            for p in scope.get_params():
                if p.name.value == leaf.value and p.annotation is not None:
                    if "UploadFile" in sx.code(p.annotation):
                        return f"{leaf.value} (an uploaded file)"
    return None


def _entity_switch(call: sx.Call):
    """The ``resolve_entities=True`` (or ``no_network=False``) argument of an lxml parser."""
    for a in call.args:
        v = sx.code(a.value).strip()
        if (a.name == "resolve_entities" and v == "True") or (
            a.name == "no_network" and v == "False"
        ):
            return a
    return None


@detector("VAL012", section=SECTION)
def xml_parsed_without_defusedxml(ctx: Context):
    facts = ctx.facts
    if facts.is_test or facts.is_migration:
        return
    for _node, call in ctx.calls_of_qualified(LXML_PARSERS):
        switch = _entity_switch(call)
        if switch is not None:
            yield ctx.finding(
                "VAL012",
                switch.node,
                f"`{sx.code(switch.node).strip()}` makes this lxml parser read external "
                "entities: XML naming `file:///etc/passwd` or an internal URL in a DTD gets its "
                "contents (XXE); leave entity resolution off, or parse with defusedxml",
            )
    for _node, call in ctx.calls_to("setFeature"):
        args = call.args
        if (
            len(args) == 2
            and (ctx.qualify(sx.dotted(args[0].value)) or "").endswith("feature_external_ges")
            and sx.code(args[1].value).strip() in ("True", "1")
        ):
            yield ctx.finding(
                "VAL012",
                call.trailer,
                "`feature_external_ges` turned on makes this SAX parser read external entities: "
                "XML naming `file:///etc/passwd` or an internal URL in a DTD gets its contents "
                "(XXE); leave the feature off, or parse with defusedxml",
            )
    for node, call in ctx.calls_of_qualified(STDLIB_XML | LXML_XML):
        args = call.args
        if not args or args[0].kind != "pos":
            continue
        qualified = ctx.qualify(call.callee) or ""
        lxml = qualified.startswith("lxml.")
        if lxml and (len(args) > 1 and args[1].kind == "pos" or sx.kwarg(args, "parser")):
            continue  # a parser of its own: judged where it is built
        source = untrusted_xml(ctx, args[0].value)
        if source is None:
            continue
        if lxml:
            danger = (
                "lxml's default parser expands entities (a few hundred bytes become gigabytes) "
                "and, before lxml 5, reads external ones (XXE: local files)"
            )
        else:
            danger = (
                "entity expansion in a crafted document (billion laughs, quadratic blowup) "
                "takes the worker's memory and CPU"
            )
        yield ctx.finding(
            "VAL012",
            node,
            f"XML from the client (`{source}`) parsed with `{call.callee}`: {danger}; parse "
            "untrusted XML with defusedxml",
            end_node=call.trailer,
        )


# ------------------------------------------------------------------- VAL013

REQUEST_UPLOAD = re.compile(r"\b(?:request|req)\.(?:FILES|files)\b")
UPLOAD_LISTS = re.compile(r"\b(?:request|req)\.(?:FILES|files)\.(?:getlist|values)\(")
# what a function reads or calls when it looks at an upload before keeping it
UPLOAD_CHECKS = re.compile(
    r"\.(?:content_type|mimetype|size|content_length|headers)\b"
    r"|\b(?:splitext|endswith|rsplit|rpartition|suffix|guess_type|imghdr|magic|filetype)\b"
    r"|\bImage\.open\b|\bis_valid\(|\blen\("
    r"|\b\w*(?:valid|allowed|check|verify|clean)\w*\s*\(",
    re.I,
)


def _upload(ctx: Context, node, depth: int = 0) -> str | None:
    """How ``node`` is a file the client uploaded (``request.FILES["f"]``, Flask's
    ``request.files.get("f")``, a FastAPI ``UploadFile`` parameter, a loop over
    ``request.FILES.getlist(...)``, a name assigned one of those), or None."""
    if node is None or depth > 3:
        return None
    if node.type in ("atom_expr", "power"):
        ps = sx.parts(node)
        # `upload.file`, `upload.stream`: the same file
        if (
            len(ps) == 2
            and sx.is_attr_trailer(ps[1])
            and ps[1].children[1].value in ("file", "stream")
        ):
            return _upload(ctx, ps[0], depth + 1)
        text = sx.code(node).strip()
        if REQUEST_UPLOAD.match(text) and len(ps) > 2 and not sx.is_attr_trailer(ps[-1]):
            return text  # request.FILES["f"], request.files.get("f")
        return None
    if node.type != "name":
        return None
    assigned = last_assignment(ctx, node.value, node)
    if assigned is not None:
        return _upload(ctx, assigned, depth + 1)
    loop = ctx.enclosing(node, ("for_stmt", "funcdef", "classdef", "file_input"))
    while loop is not None and loop.type == "for_stmt":
        target = loop.children[1]
        if target.type == "name" and target.value == node.value:
            iterable = loop.children[3]
            text = sx.code(iterable).strip()
            if UPLOAD_LISTS.match(text):
                return text
            if iterable.type == "name" and _upload_parameter(ctx, iterable, lists=True):
                return f"{node.value} (an uploaded file)"
            return None
        loop = ctx.enclosing(loop.parent, ("for_stmt", "funcdef", "classdef", "file_input"))
    if _upload_parameter(ctx, node):
        return f"{node.value} (an uploaded file)"
    return None


def _upload_parameter(ctx: Context, name, lists: bool = False) -> bool:
    scope = ctx.scope(name)
    if scope.type != "funcdef":
        return False
    for p in scope.get_params():
        if p.name.value == name.value and p.annotation is not None:
            ann = sx.code(p.annotation).replace(" ", "")
            if lists:
                return bool(re.search(r"(?:list|List|Sequence)\[UploadFile\]", ann))
            return bool(re.fullmatch(r"(?:\w+\.)?UploadFile(?:\|None)?", ann))
    return False


def _upload_content(ctx: Context, node, depth: int = 0) -> str | None:
    """``upload.read()``, ``await upload.read()``, ``upload.file.read()``, a chunk of a
    loop over ``upload.chunks()``, or a name assigned one of those: the upload's bytes."""
    if node is None or depth > 3:
        return None
    if node.type in ("atom_expr", "power"):
        ps = sx.parts(node)
        if (
            len(ps) >= 3
            and sx.is_call_trailer(ps[-1])
            and sx.is_attr_trailer(ps[-2])
            and ps[-2].children[1].value == "read"
        ):
            receiver = ps[:-2]
            if len(receiver) == 1:
                return _upload(ctx, receiver[0])
            text = sx.code(node).strip().removeprefix("await").strip()
            head = text[: text.rfind(".read")]
            if head.endswith((".file", ".stream")):
                head = head.rsplit(".", 1)[0]
            return head if REQUEST_UPLOAD.match(head) else None
        return None
    if node.type != "name":
        return None
    assigned = last_assignment(ctx, node.value, node)
    if assigned is not None:
        return _upload_content(ctx, assigned, depth + 1)
    loop = ctx.enclosing(node, ("for_stmt", "funcdef", "classdef", "file_input"))
    while loop is not None and loop.type == "for_stmt":
        target = loop.children[1]
        if target.type == "name" and target.value == node.value:
            it = loop.children[3]
            ps = sx.parts(it) if it.type in ("atom_expr", "power") else []
            if (
                len(ps) == 3
                and sx.is_attr_trailer(ps[1])
                and ps[1].children[1].value == "chunks"
                and ps[0].type == "name"
            ):
                return _upload(ctx, ps[0])
            return None
        loop = ctx.enclosing(loop.parent, ("for_stmt", "funcdef", "classdef", "file_input"))
    return None


def _upload_sinks(ctx: Context):
    """(call node, the call, how the upload is named) for every place an upload is kept."""
    for node, call in ctx.calls_to("save", "write", "copyfileobj"):
        args = call.args
        ps = sx.parts(node)
        if call.method == "save":
            # Flask: upload.save(path); storages: default_storage.save(name, upload)
            receiver = ps[: call.index - 1]
            if len(receiver) == 1:
                found = _upload(ctx, receiver[0])
            elif receiver:
                text = "".join(sx.code(p) for p in receiver).strip()
                found = text if REQUEST_UPLOAD.match(text) else None
            else:
                found = None
            if found is None and len(args) >= 2 and args[1].kind == "pos":
                found = _upload(ctx, args[1].value)
        elif call.method == "write":
            found = (
                _upload_content(ctx, args[0].value)
                if len(args) == 1 and args[0].kind == "pos"
                else None
            )
        else:
            q = ctx.qualify(call.callee) or ""
            found = (
                _upload(ctx, args[0].value)
                if q == "shutil.copyfileobj" and args and args[0].kind == "pos"
                else None
            )
        if found is not None:
            yield node, call, found


@detector("VAL013", section=SECTION)
def upload_saved_unchecked(ctx: Context):
    facts = ctx.facts
    if facts.is_test or facts.is_migration:
        return
    checked: dict[int, bool] = {}
    for node, call, upload in _upload_sinks(ctx):
        func = ctx.enclosing(node, ("funcdef",))
        if func is None:
            continue
        if id(func) not in checked:
            checked[id(func)] = bool(UPLOAD_CHECKS.search(sx.code(func)))
        if checked[id(func)]:
            continue
        yield ctx.finding(
            "VAL013",
            node,
            f"`{upload}` is saved with no check of its type or size in `{func.children[1].value}`: "
            "a client can store an HTML or SVG page served from your domain, a script the "
            "server may run, or a file that fills the disk; check the extension and content "
            "type against an allow-list and limit the size first",
            end_node=call.trailer,
        )
