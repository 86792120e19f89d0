"""Write README.md from the markdown of nbs/index.ipynb (nbdev_readme needs Quarto, which these machines lack).
`python tools/readme.py --check` exits 1 if README.md is out of date."""
import json, sys, pathlib
root = pathlib.Path(__file__).resolve().parent.parent
def render() -> str:
    nb = json.loads((root/'nbs'/'index.ipynb').read_text())
    parts = ["".join(c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown']
    return "<!-- generated from nbs/index.ipynb by tools/readme.py: edit the notebook, not this file -->\n\n" + "\n\n".join(parts) + "\n"
if __name__ == '__main__':
    text, readme = render(), root/'README.md'
    if '--check' in sys.argv:
        if not readme.exists() or readme.read_text() != text: sys.exit("README.md is out of date: run python tools/readme.py")
    else: readme.write_text(text)
