#!/usr/bin/env python3
"""Regenerates the expected outputs of jinja-golden.json: what Jinja2 renders for each template.

Run from the repository root with Jinja2 3.1 and PyYAML installed (python3 -m pip install jinja2 pyyaml):

    python3 tests/unit/template/jinja-golden.py

The environment is Jinja2's with what dbt adds to it: the do and loopcontrols extensions, and the
context functions strata implements (modules.re, modules.datetime, tojson, fromjson, fromyaml, toyaml, local_md5,
zip, zip_strict) defined as dbt defines them. A template whose render fails records the error.
"""
import datetime
import hashlib
import json
import re
import sys
from pathlib import Path

import yaml
from jinja2 import Environment

PATH = Path(__file__).with_name('jinja-golden.json')

env = Environment(extensions=['jinja2.ext.do', 'jinja2.ext.loopcontrols'])
env.globals.update(
    modules={"re": re, "datetime": datetime},
    tojson=lambda v, default=None, sort_keys=False: json.dumps(v, sort_keys=sort_keys),
    fromjson=lambda s, default=None: json.loads(s),
    fromyaml=lambda s, default=None: yaml.safe_load(s),
    toyaml=lambda v, default=None, sort_keys=False: yaml.safe_dump(v, sort_keys=sort_keys),
    local_md5=lambda s: hashlib.md5(s.encode()).hexdigest(),
    zip=lambda *a: zip(*a),
    zip_strict=lambda *a: list(zip(*a, strict=True)),
)

cases = json.loads(PATH.read_text())
for case in cases:
    case.pop('jinja', None)
    case.pop('error', None)
    try:
        case['jinja'] = env.from_string(case['template']).render()
    except Exception as e:  # noqa: BLE001 -- any failure is the expected outcome
        case['error'] = f'{type(e).__name__}: {e}'
PATH.write_text(json.dumps(cases, indent=1, ensure_ascii=False) + '\n')
print(f'{len(cases)} cases written to {PATH}', file=sys.stderr)
