"""Parses every .bicep file given with pycep (the parser checkov uses); exits 1 naming each file that fails."""

import sys
from pathlib import Path

from pycep import BicepParser

parser = BicepParser()
failed = 0
for name in sys.argv[1:]:
    try:
        parser.parse(file_path=Path(name))
        print(f"[infra-check] parsed {name}")
    except Exception as err:  # lark raises several error types; each names the line and column
        failed += 1
        first_lines = "\n".join(str(err).splitlines()[:4])
        print(f"[infra-check] PARSE ERROR {name}:\n{first_lines}", file=sys.stderr)
sys.exit(1 if failed else 0)
