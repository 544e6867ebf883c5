#!/usr/bin/env python3
"""validate.py KIND FILE... — check every line of each FILE (JSON lines, as
`vantage KIND` writes them on stdout) against docs/schema/KIND.schema.json.

Prints `FILE:LINE: path: message` for each failure (path is the JSON
pointer of the offending value, `/` for the line itself). Exits 0 when
every line is valid, 1 on any failure (an empty line or one that is not
JSON is a failure too), 2 on usage errors (unknown KIND, unreadable FILE).
Needs python3-jsonschema (scripts/setup.sh), draft 2020-12.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_DIR = os.path.join(HERE, "..", "..", "docs", "schema")


def usage(msg=None):
    if msg:
        print("validate.py: %s" % msg, file=sys.stderr)
    kinds = sorted(f[: -len(".schema.json")] for f in os.listdir(SCHEMA_DIR)
                   if f.endswith(".schema.json"))
    print("usage: validate.py KIND FILE...  (KIND: %s)" % ", ".join(kinds), file=sys.stderr)
    sys.exit(2)


def pointer(path):
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        usage()
    kind, files = argv[1], argv[2:]
    try:
        import jsonschema
    except ImportError:
        print("validate.py: python3-jsonschema is not installed (scripts/setup.sh)", file=sys.stderr)
        sys.exit(2)
    path = os.path.join(SCHEMA_DIR, kind + ".schema.json")
    if "/" in kind or not os.path.isfile(path):
        usage("no schema for '%s'" % kind)
    with open(path, encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    failures = 0
    for name in files:
        try:
            f = open(name, "rb")
        except OSError as e:
            print("validate.py: %s: %s" % (name, e.strerror), file=sys.stderr)
            sys.exit(2)
        with f:
            for no, raw in enumerate(f, 1):
                line = raw.rstrip(b"\n")
                try:
                    doc = json.loads(line.decode("utf-8"))
                except (UnicodeDecodeError, ValueError) as e:
                    print("%s:%d: /: not a JSON line: %s" % (name, no, e))
                    failures += 1
                    continue
                errs = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
                for e in errs:
                    print("%s:%d: %s: %s" % (name, no, pointer(e.absolute_path), e.message))
                failures += len(errs)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main(sys.argv)
