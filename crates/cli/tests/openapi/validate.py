"""Validate an OpenAPI 3.1 document with `openapi-spec-validator`.

Usage: validate.py [FILE]   (reads standard input without FILE)

Prints OPENAPI DOCUMENT VALID, or the validator's error and exits non-zero.
"""
import json
import sys

from openapi_spec_validator import OpenAPIV31SpecValidator, validate

if len(sys.argv) > 1:
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
else:
    spec = json.load(sys.stdin)

try:
    # Pinned to 3.1 so that a document claiming another version fails.
    validate(spec, cls=OpenAPIV31SpecValidator)
except Exception as e:  # the validator raises several exception types
    print("INVALID:", e)
    sys.exit(1)
print("OPENAPI DOCUMENT VALID")
