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
