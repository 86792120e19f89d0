"""Write README.md from nbs/index.ipynb (nbdev_readme needs Quarto, which these machines lack), as nbdev_readme would:
the markdown cells, and the shown output (text/markdown) of code cells whose code is hidden with `#| echo: false`.
Links to files under nbs/ (figures) are made relative to the repository root.
`python tools/readme.py --check` exits 1 if README.md is out of date."""
import json, re, sys, pathlib
root = pathlib.Path(__file__).resolve().parent.parent

def _output(c)->str:
    if not re.search(r"^#\|\s*echo:\s*false", "".join(c["source"]), re.M): return ""
    md = [o["data"]["text/markdown"] for o in c.get("outputs", []) if "text/markdown" in o.get("data", {})]
    return "\n".join("".join(m) for m in md).strip()

def render() -> str:
    nb = json.loads((root/'nbs'/'index.ipynb').read_text())
    parts = ["".join(c['source']) if c['cell_type'] == 'markdown' else _output(c) for c in nb['cells']]
    text = "\n\n".join(p for p in parts if p)
    text = re.sub(r"\]\((figures/[^)]+)\)", r"](nbs/\1)", text)       # the page's relative links, from the repository root
    return "<!-- generated from nbs/index.ipynb by tools/readme.py: edit the notebook, not this file -->\n\n" + text + "\n"

if __name__ == '__main__':
    text, readme = render(), root/'README.md'
    if '--check' in sys.argv:
        if not readme.exists() or readme.read_text() != text: sys.exit("README.md is out of date: run python tools/readme.py")
    else: readme.write_text(text)
