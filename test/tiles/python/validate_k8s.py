"""Parses YAML documents with PyYAML and validates each against a JSON Schema with jsonschema (Draft 7).

stdin: JSON {"schema": path, "documents": [yaml text, ...]}; stdout: JSON [{"doc": parsed, "errors": [message, ...]}, ...].
Used by test/tiles/cluster.test.ts: the YAML that ntk-lab writes must parse (with a real YAML parser) to the
object it meant, and that object must satisfy the batch/v1 Job schema of the fields it emits.
"""
import json
import sys

import jsonschema
import yaml

request = json.load(sys.stdin)
with open(request["schema"]) as f:
    schema = json.load(f)
jsonschema.Draft7Validator.check_schema(schema)
validator = jsonschema.Draft7Validator(schema)
out = []
for text in request["documents"]:
    doc = yaml.safe_load(text)
    errors = sorted(f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(doc))
    out.append({"doc": doc, "errors": errors})
json.dump(out, sys.stdout)
