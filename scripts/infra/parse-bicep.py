"""Parses every .bicep file given with pycep (the parser checkov uses); exits 1 naming each file that fails.
With --json first, prints {file: parse tree} for the files instead (scripts/infra/templates.test.ts reads it)."""

import json
import sys
from pathlib import Path

from pycep import BicepParser

parser = BicepParser()
as_json = sys.argv[1:2] == ["--json"]
names = sys.argv[2:] if as_json else sys.argv[1:]
trees = {}
failed = 0
for name in names:
    try:
        trees[name] = parser.parse(file_path=Path(name))
        if not as_json:
            print(f"[infra-check] parsed {name}")
    except Exception as err:  # lark raises several error types; each names the line and column
        failed += 1
        first_lines = "\n".join(str(err).splitlines()[:4])
        print(f"[infra-check] PARSE ERROR {name}:\n{first_lines}", file=sys.stderr)
if as_json and not failed:
    json.dump(trees, sys.stdout, default=str)
sys.exit(1 if failed else 0)
