#!/usr/bin/env python3
"""Many distinct filings, fast: the sandbox world's filings repeated under new numbers.

    gen-filings.py WORLD.jsonl N OUT_FAILING.jsonl OUT_REST.jsonl

Line i takes world filing i mod len(world) and replaces its entity filing number (and so
its sites' numbers) with a unique one. Every fifth filing's first website is renamed to
start with 中国, which the offline judges refuse (a name only state bodies may use), so
about a fifth of the filings get a rectification order; those go to OUT_FAILING, the
rest to OUT_REST.
"""
import json
import re
import sys

world_path, n, failing_path, rest_path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
number = re.compile(r'"filing_number":"([^"]+)"')
base = []
with open(world_path, encoding="utf-8") as f:
    for line in f:
        line = line.strip()
        m = number.search(line)
        if m:
            base.append((line, m.group(1)))
if not base:
    sys.exit("the world has no filings with a number")
with open(failing_path, "w", encoding="utf-8") as failing, open(rest_path, "w", encoding="utf-8") as rest:
    for i in range(n):
        line, old = base[i % len(base)]
        province = old[0]
        line = line.replace(old, f"{province}ICP备{3000000000 + i}号")
        if i % 5 == 0:
            filing = json.loads(line)
            if filing.get("websites"):
                filing["websites"][0]["name"] = "中国" + filing["websites"][0]["name"]
            failing.write(json.dumps(filing, ensure_ascii=False, separators=(",", ":")) + "\n")
        else:
            rest.write(line + "\n")
