"""Render docs/openapi.yaml as the static API reference under web/docs/ (served at /docs).

    .venv/bin/python -m scripts.api_docs

writes web/docs/index.html (readable without a script or a CDN; styled by web/docs/docs.css)
and web/docs/openapi.json (the document itself, for tools). tests/test_openapi.py holds
that both are current.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "docs" / "openapi.yaml"
TARGET = ROOT / "web" / "docs"
METHODS = ("get", "put", "post", "patch", "delete")


def _text(value: str) -> str:
    """Plain text with `code` spans, escaped."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(value, quote=False))


def _paragraphs(value: str | None) -> str:
    if not value:
        return ""
    return "".join(f"<p>{_text(p.strip())}</p>" for p in value.strip().split("\n\n"))


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[1]


def _resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _type_of(schema: dict[str, Any]) -> str:
    """A short, linked description of a schema's type."""
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        return f'<a href="#schema-{name}">{name}</a>'
    if "const" in schema:
        return f"<code>{html.escape(json.dumps(schema['const']))}</code>"
    if "enum" in schema:
        return "one of " + ", ".join(f"<code>{html.escape(str(v))}</code>" for v in schema["enum"])
    for combinator in ("oneOf", "anyOf"):
        if combinator in schema:
            return " or ".join(_type_of(s) for s in schema[combinator])
    kind = schema.get("type", "any")
    if kind == "array":
        return "list of " + _type_of(schema.get("items", {}))
    if isinstance(kind, list):
        return " or ".join(html.escape(k) for k in kind)
    return html.escape(kind)


def _limits(schema: dict[str, Any]) -> str:
    words = {
        "minLength": "at least {} characters",
        "maxLength": "at most {} characters",
        "minimum": "≥ {}",
        "maximum": "≤ {}",
        "maxItems": "at most {} items",
        "pattern": "matches <code>{}</code>",
        "format": "{}",
        "default": "default {}",
    }
    return "; ".join(template.format(html.escape(str(schema[key]))) for key, template in words.items() if key in schema)


def _fields(doc: dict[str, Any], schema: dict[str, Any]) -> str:
    """A table of an object schema's fields (allOf merged)."""
    properties, required = _fields_of(doc, schema)
    if not properties:
        return f"<p>{_type_of(schema)}</p>"
    rows = "".join(
        f"<tr><th scope='row'><code>{html.escape(name)}</code></th><td data-label='type'>{_type_of(prop)}</td>"
        f"<td data-label='presence'>{'required' if name in required else 'optional'}</td>"
        f"<td data-label='notes'>{_limits(prop)} {_text(prop.get('description', ''))}</td></tr>"
        for name, prop in properties.items()
    )
    return (
        "<table><thead><tr><th scope='col'>field</th><th scope='col'>type</th><th scope='col'>presence</th>"
        f"<th scope='col'>notes</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _fields_of(doc: dict[str, Any], schema: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    schema = _resolve(doc, schema)
    properties: dict[str, Any] = dict(schema.get("properties", {}))
    required: set[str] = set(schema.get("required", []))
    for part in schema.get("allOf", []):
        more, also = _fields_of(doc, part)
        properties.update(more)
        required |= also
    return properties, required


def _auth(doc: dict[str, Any], op: dict[str, Any]) -> str:
    security = op.get("security", doc.get("security", []))
    if not security:
        return "Public: no token."
    names = [name for requirement in security for name in requirement]
    return "Needs: " + " or ".join(_text(doc["components"]["securitySchemes"][n]["description"]) for n in names)


def _operation(doc: dict[str, Any], method: str, path: str, op: dict[str, Any], params: list[Any]) -> str:
    anchor = op["operationId"]
    out = [f'<section class="operation" id="{anchor}" aria-labelledby="{anchor}-title">']
    planned = ' <span class="planned">planned</span>' if op.get("x-planned") else ""
    out.append(
        f'<h3 id="{anchor}-title"><span class="method">{method.upper()}</span> '
        f"<code>{html.escape(path)}</code>{planned}</h3>"
    )
    out.append(f"<p><strong>{_text(op.get('summary', ''))}</strong></p>{_paragraphs(op.get('description'))}")
    out.append(f"<p>{_auth(doc, op)}</p>")
    parameters = [_resolve(doc, p) for p in [*params, *op.get("parameters", [])]]
    if parameters:
        rows = "".join(
            f"<tr><th scope='row'><code>{html.escape(p['name'])}</code></th><td data-label='in'>{p['in']}</td>"
            f"<td data-label='type'>{_type_of(p.get('schema', {}))}</td>"
            f"<td data-label='presence'>{'required' if p.get('required') else 'optional'}</td>"
            f"<td data-label='notes'>{_limits(p.get('schema', {}))} {_text(p.get('description', ''))}</td></tr>"
            for p in parameters
        )
        out.append(
            "<h4>Parameters</h4><table><thead><tr><th scope='col'>name</th><th scope='col'>in</th>"
            "<th scope='col'>type</th><th scope='col'>presence</th><th scope='col'>notes</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
    body = op.get("requestBody", {}).get("content", {}).get("application/json")
    if body:
        out.append("<h4>Body (application/json)</h4>" + _fields(doc, body["schema"]))
        if "example" in body:
            out.append(f"<pre>{html.escape(json.dumps(body['example'], indent=2))}</pre>")
    rows = []
    for status, response in op["responses"].items():
        response = _resolve(doc, response)
        kinds = ", ".join(
            f"<code>{html.escape(media)}</code> {_type_of(content.get('schema', {}))}"
            for media, content in response.get("content", {}).items()
        )
        rows.append(
            f"<tr><th scope='row'>{status}</th><td data-label='when'>{_text(response['description'])}</td>"
            f"<td data-label='body'>{kinds}</td></tr>"
        )
    out.append(
        "<h4>Answers</h4><table><thead><tr><th scope='col'>status</th><th scope='col'>when</th>"
        f"<th scope='col'>body</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )
    return "".join(out)


def render(doc: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The page and the JSON copy of the document."""
    info = doc["info"]
    sections, contents = [], []
    for tag in doc.get("tags", []):
        ops = [
            (method, path, op, item.get("parameters", []))
            for path, item in doc["paths"].items()
            for method, op in item.items()
            if method in METHODS and tag["name"] in op.get("tags", [])
        ]
        links = "".join(
            f'<li><a href="#{op["operationId"]}">{method.upper()} {html.escape(path)}</a>'
            f"{' (planned)' if op.get('x-planned') else ''}</li>"
            for method, path, op, _ in ops
        )
        contents.append(f"<li>{html.escape(tag['name'].capitalize())}<ul>{links}</ul></li>")
        body = "".join(_operation(doc, method, path, op, params) for method, path, op, params in ops)
        sections.append(f"<h2 id='tag-{tag['name']}'>{html.escape(tag['name'].capitalize())}</h2>")
        sections.append(_paragraphs(tag.get("description")) + body)
    schemas = "".join(
        f'<section id="schema-{name}" aria-labelledby="schema-{name}-title"><h3 id="schema-{name}-title">{name}</h3>'
        f"{_paragraphs(schema.get('description'))}{_fields(doc, schema)}</section>"
        for name, schema in doc["components"]["schemas"].items()
    )
    page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(info["title"])}</title>
<link rel="stylesheet" href="/docs/docs.css">
</head>
<body>
<header>
<h1>{html.escape(info["title"])} <small>{html.escape(info["version"])}</small></h1>
<p>{_text(info["summary"])} The document itself, for tools: <a href="/docs/openapi.json">openapi.json</a>
(OpenAPI {html.escape(doc["openapi"])}).</p>
</header>
<main>
{_paragraphs(info.get("description"))}
<nav aria-label="Routes"><h2>Routes</h2><ul>{"".join(contents)}</ul></nav>
{"".join(sections)}
<h2 id="schemas">Schemas</h2>
{schemas}
</main>
</body>
</html>
"""
    return page, doc


def main() -> None:
    page, spec = render(yaml.safe_load(SOURCE.read_text()))
    TARGET.mkdir(parents=True, exist_ok=True)
    (TARGET / "index.html").write_text(page)
    (TARGET / "openapi.json").write_text(json.dumps(spec, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {TARGET / 'index.html'} and {TARGET / 'openapi.json'}")


if __name__ == "__main__":
    main()
