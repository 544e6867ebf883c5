#!/usr/bin/env python3
"""openmpic_validate.py — validate open-mpic answers against the component
schemas of open-mpic's OpenAPI description, offline.

usage: openmpic_validate.py SPEC.yaml [FILE]   (FILE or stdin)

Each input line is "SCHEMA<TAB>JSON" (tests/schema/openmpic_samples.c writes
them); SCHEMA names a component under components/schemas. Exit 0 when every
line validates, 1 when one does not (one "LINE: SCHEMA: PATH: MESSAGE" per
error on stdout), 2 on a usage error.

OpenAPI 3.0 schemas are not quite JSON Schema; the conversion here:
  - "nullable: true" becomes anyOf [null, the schema];
  - $ref #/components/schemas/X becomes #/definitions/X;
  - a oneOf with a discriminator mapping (DcvCheckParameters) becomes one
    if/then per mapped value: jsonschema ignores `discriminator`, and
    without it the parameter schemas, which do not forbid extra properties,
    overlap (ContactEmail and ContactPhone are the same schema), so plain
    oneOf would refuse every valid value.
Where the spec (3.5.0) and open-mpic-core-python (6.5.0), which open-mpic
deployments run, disagree, vantage follows the core; PATCHES below makes the
spec say what the core does, each with its reason:
  - CheckResponseCAA details.records_seen: the spec says string, the core's
    CaaCheckResponseDetails (and the spec's own DNS details) a list of
    strings.
  - NULLABLE: optional fields the core's models declare "X | None = None"
    and dump as null (errors, trace_identifier, caa_domains, the
    orchestration counts); the spec's own /mpic example answers with
    "errors: null", but its schemas do not say nullable.
The spec also lacks dns-persistent (ValidationMethod, the discriminator):
no sample uses it.
"""
import copy
import json
import sys

try:
    import yaml
    import jsonschema
except ImportError as e:  # scripts/setup.sh installs python3-yaml and python3-jsonschema
    print(f"openmpic_validate: {e}", file=sys.stderr)
    sys.exit(2)

PATCHES = [
    # (component, path of keys inside it, replacement)
    ("CheckResponseCAA",
     ["allOf", 1, "properties", "details", "properties", "records_seen"],
     {"type": "array", "items": {"type": "string"}, "nullable": True}),
]
# (component, path of keys to a property schema): made nullable
NULLABLE = [
    ("BaseCheckResponse", ["properties", "errors"]),
    ("TraceIdentifier", []),
    ("CaaCheckParameters", ["properties", "caa_domains"]),
    ("BaseOrchestrationParameters", ["properties", "perspective_count"]),
    ("BaseOrchestrationParameters", ["properties", "quorum_count"]),
    ("RequestOrchestrationParameters", ["allOf", 1, "properties", "max_attempts"]),
]


def convert(node):
    if isinstance(node, list):
        return [convert(x) for x in node]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    if "$ref" in node:
        node["$ref"] = node["$ref"].replace("#/components/schemas/", "#/definitions/")
    if "discriminator" in node and "oneOf" in node:
        disc = node.pop("discriminator")
        prop = disc["propertyName"]
        mapping = disc["mapping"]
        node.pop("oneOf")
        node["required"] = [prop]
        node["properties"] = {prop: {"enum": sorted(mapping)}}
        node["allOf"] = [
            {"if": {"properties": {prop: {"const": k}}, "required": [prop]},
             "then": {"$ref": ref.replace("#/components/schemas/", "#/definitions/")}}
            for k, ref in sorted(mapping.items())
        ]
    nullable = node.pop("nullable", False)
    out = {k: convert(v) for k, v in node.items()}
    if nullable:
        return {"anyOf": [{"type": "null"}, out]}
    return out


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        spec = yaml.safe_load(f)
    schemas = copy.deepcopy(spec["components"]["schemas"])
    for comp, path, repl in PATCHES:
        node = schemas[comp]
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = repl
    for comp, path in NULLABLE:
        node = schemas[comp]
        for k in path:
            node = node[k]
        node["nullable"] = True
    root = {"definitions": {k: convert(v) for k, v in schemas.items()}}
    src = open(argv[2]) if len(argv) == 3 else sys.stdin
    bad = 0
    n = 0
    for lineno, line in enumerate(src, 1):
        line = line.rstrip("\n")
        if not line:
            continue
        n += 1
        name, _, text = line.partition("\t")
        if name not in root["definitions"]:
            print(f"{lineno}: {name}: no such component")
            bad += 1
            continue
        try:
            doc = json.loads(text)
        except ValueError as e:
            print(f"{lineno}: {name}: not JSON: {e}")
            bad += 1
            continue
        schema = dict(root, **{"$ref": f"#/definitions/{name}"})
        v = jsonschema.Draft7Validator(schema)
        for err in sorted(v.iter_errors(doc), key=lambda e: list(e.path)):
            path = "/".join(str(p) for p in err.path) or "(root)"
            print(f"{lineno}: {name}: {path}: {err.message}")
            bad += 1
    if n == 0:
        print("openmpic_validate: no input lines", file=sys.stderr)
        return 2
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
