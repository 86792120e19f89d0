#!/usr/bin/env python
"""The docs site, checked without Quarto: nbdev's docs processing, a pandoc render of every page, and its links.

    python tools/docs_check.py                # process, render and check (the README's test command runs this)
    python tools/docs_check.py --screenshots  # also headless-Chromium screenshots of the home, 01_fisher and results pages

1. nbdev's docs processing (`nbdev.serve.proc_nbs`, the part of `nbdev_docs` before Quarto) writes `_proc/`. Any
   error in a notebook fails the check, and so does a cell it would execute that is more than imports (nbdev runs
   every cell with an import in it, so such a cell would train or read files in the docs build).
2. Each processed notebook becomes a page under `_docs_local/` as Quarto would name it (`output-file`), through
   pandoc: code without its `#|` directives, `echo: false` cells without their code, `show_doc` tables, figures
   and equations (MathML).
3. Every image and every internal link (to a page, and to an anchor in it) must resolve, and every sidebar entry
   must exist. Quarto's own render, `nbdev_docs`, is the one step left for machines that have Quarto.
"""
import argparse, ast, base64, html.parser, json, re, shutil, subprocess, sys, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS, PROC, OUT = ROOT/"nbs", ROOT/"_proc", ROOT/"_docs_local"
SHOTS = {"index": "index.html", "01_fisher": "fisher.html", "results": "results.html"}

def directives(src:str)->dict:
    "The `#| key: value` lines of a cell"
    d = {}
    for l in src.splitlines():
        m = re.match(r"#\|\s*([\w-]+):?\s*(.*)", l)
        if m: d[m.group(1)] = m.group(2).strip()
    return d

def docs_executed_cells(nb_path:Path)->list[str]:
    "Ids of the cells nbdev's docs processing executes that do more than import (export, show_doc and setup cells aside)"
    cells, bad, seen_section = json.loads(nb_path.read_text())["cells"], [], False
    for c in cells:
        s = "".join(c["source"])
        if c["cell_type"] == "markdown" and re.search(r"^##\s", s, re.M): seen_section = True
        if c["cell_type"] != "code" or "nbdev_export()" in s: continue
        d = directives(s)
        if d.keys() & {"export", "exports", "exporti", "exec_doc"} or d.get("eval", "").lower() == "false": continue
        try: t = ast.parse("\n".join(l for l in s.splitlines() if not l.lstrip().startswith(("%", "!"))))
        except SyntaxError: continue
        if not any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(t)): continue
        if all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in t.body): continue
        if "hide" in d and not seen_section: continue      # the notebook's own setup cell, before its first section
        bad.append(c.get("id", "?"))
    return bad

def process():
    "nbdev's docs processing into _proc/; raises on the first notebook that fails"
    from nbdev.serve import proc_nbs
    bad = {str(p.relative_to(ROOT)): ids for p in sorted(NBS.rglob("*.ipynb"))
           if not p.name.startswith("_") and ".ipynb_checkpoints" not in p.parts and (ids := docs_executed_cells(p))}
    if bad: sys.exit("FAIL: cells that mix imports with other code (docs processing would run them; put the imports "
                     f"in a cell of their own): {bad}")
    proc_nbs(n_workers=2, force=True)
    print(f"docs processing: {len(list(PROC.rglob('*.ipynb')))} notebooks processed into {PROC.relative_to(ROOT)}/")

def page_names()->dict:
    "Each processed notebook (relative to _proc/) → the page Quarto makes of it (its `output-file`, or <stem>.html)"
    names = {}
    for p in sorted(PROC.rglob("*.ipynb")):
        if p.name.startswith("_"): continue
        cells = json.loads(p.read_text())["cells"]
        front = "".join(cells[0]["source"]) if cells and cells[0]["cell_type"] == "raw" else ""
        m = re.search(r"^output-file:\s*(\S+)", front, re.M)
        rel = p.relative_to(PROC)
        names[rel] = rel.parent/(m.group(1) if m else rel.stem + ".html")
    return names

def _rel(target:Path, start:Path)->str: return Path(*([".."] * len(start.parts)), target).as_posix()

def _links(md:str, nb:Path, names:dict, page:Path)->str:
    "Links to notebooks → links to their pages, as Quarto rewrites them"
    def sub(m):
        t = (nb.parent/m.group(2)).resolve()
        try: rel = t.relative_to(PROC.resolve())
        except ValueError: return m.group(0)
        return f"{m.group(1)}({_rel(names[rel], page.parent) if rel in names else m.group(2)}{m.group(3) or ''})"
    return re.sub(r"(\]\s?)\(([^()\s#]+\.ipynb)(#[^()\s]*)?\)", sub, md)

def _resources(md:str, nb:Path, page:Path):
    "The local images a markdown cell shows (figures/x.png), copied beside its page, as Quarto copies a page's resources"
    for rel in re.findall(r"!\[[^\]]*\]\(([^()\s#]+)\)", md):
        src = nb.parent/rel
        if "://" not in rel and src.is_file():
            (OUT/page.parent/rel).parent.mkdir(parents=True, exist_ok=True); shutil.copy(src, OUT/page.parent/rel)

def _fence(text:str, lang:str="")->str:
    ticks = "`" * max(3, max((len(t) for t in re.findall(r"`+", text)), default=0) + 1)
    return f"{ticks}{lang}\n{text.rstrip()}\n{ticks}"

def to_markdown(nb:Path, names:dict, media:Path, problems:list)->str:
    "One processed notebook as pandoc markdown, with its figures written to `media`"
    page, parts, n_img = names[nb.relative_to(PROC)], [], 0
    for i, c in enumerate(json.loads(nb.read_text())["cells"]):
        s = "".join(c["source"])
        if c["cell_type"] == "raw": parts.append(s.strip() + "\n"); continue
        if c["cell_type"] == "markdown": parts.append(_links(s, nb, names, page)); _resources(s, nb, page); continue
        d = directives(s)
        if d.get("include") == "false": continue
        code = "\n".join(l for l in s.splitlines() if not l.startswith("#|")).strip()
        if code and d.get("echo") != "false": parts.append(_fence(code, "python"))
        if d.get("output") == "false": continue
        for o in c.get("outputs", []):
            if o["output_type"] == "stream": parts.append(_fence("".join(o["text"]), "text")); continue
            if o["output_type"] == "error":
                problems.append(f"{nb.relative_to(PROC)}: cell {i} has a saved error ({o.get('ename')}: {o.get('evalue', '')[:100]})"); continue
            data = o.get("data", {})
            if "image/png" in data:
                n_img += 1; f = media/f"fig{n_img}.png"; f.parent.mkdir(parents=True, exist_ok=True)
                f.write_bytes(base64.b64decode("".join(data["image/png"])))
                parts.append(f"![]({_rel(f.relative_to(OUT), page.parent)})")
            elif "text/markdown" in data: parts.append(_links("".join(data["text/markdown"]), nb, names, page))
            elif "text/html" in data: parts.append(_fence("".join(data["text/html"]), "{=html}"))
            elif "text/plain" in data: parts.append(_fence("".join(data["text/plain"]), "text"))
    return "\n\n".join(parts) + "\n"

CSS = """body{max-width:1100px;margin:2em auto;padding:0 1em;font-family:system-ui,sans-serif;line-height:1.5}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;font-size:85%} code{font-size:90%}
table{border-collapse:collapse;margin:1em 0} th,td{border:1px solid #ccc;padding:.2em .5em} img{max-width:100%}
nav#TOC{float:right;max-width:260px;font-size:80%;margin-left:1em;background:#fafafa;padding:.5em}"""

def render(names:dict)->list:
    "Every processed notebook → an HTML page under _docs_local/, through pandoc; returns the problems met"
    if not shutil.which("pandoc"): sys.exit("FAIL: pandoc is not installed: `apt-get install pandoc` (Debian), then rerun")
    if OUT.exists(): shutil.rmtree(OUT)
    OUT.mkdir(parents=True); (OUT/"base.css").write_text(CSS); shutil.copy(NBS/"styles.css", OUT/"styles.css")
    problems = []
    for rel, page in names.items():
        md = to_markdown(PROC/rel, names, OUT/page.parent/f"{page.stem}_files", problems)
        (OUT/page).parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as f: f.write(md)
        css = [_rel(Path(c), page.parent) for c in ("base.css", "styles.css")]
        r = subprocess.run(["pandoc", f.name, "-f", "markdown", "-t", "html5", "-s", "--mathml", "--toc",
                            *[a for c in css for a in ("--css", c)], "-o", str(OUT/page)], capture_output=True, text=True)
        Path(f.name).unlink()
        if r.returncode: problems.append(f"{rel}: pandoc failed: {r.stderr.strip()[:300]}")
        elif r.stderr.strip(): problems.append(f"{rel}: pandoc: {r.stderr.strip()[:300]}")
    print(f"render: {len(names)} pages under {OUT.relative_to(ROOT)}/")
    return problems

class _Refs(html.parser.HTMLParser):
    def __init__(self): super().__init__(); self.ids, self.refs = set(), []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"): self.ids.add(a["id"])
        if tag == "a" and a.get("href"): self.refs.append(("link", a["href"]))
        if tag == "img" and a.get("src"): self.refs.append(("image", a["src"]))

def _site_url()->str:
    "The site's own address (settings.ini's doc_host + doc_baseurl + '/'), which nbdev's doc links start with"
    import configparser
    c = configparser.ConfigParser(); c.read(ROOT/"settings.ini"); d = c["DEFAULT"]
    return d.get("doc_host", "").rstrip("/") + "/" + d.get("doc_baseurl", "").strip("/") + "/"

def check_links()->list:
    "Every image and internal link of every page resolves (files, and anchors in them)"
    pages = {p: _Refs() for p in OUT.rglob("*.html")}
    for p, r in pages.items(): r.feed(p.read_text())
    ids = {p.resolve(): r.ids for p, r in pages.items()}
    problems, n, site = [], 0, _site_url()
    for p, r in pages.items():
        for kind, ref in r.refs:
            if site and ref.startswith(site): ref = _rel(Path(ref[len(site):]), p.relative_to(OUT).parent)  # nbdev's doc links
            if re.match(r"^(https?:|mailto:|data:)", ref): continue
            n += 1
            path, _, frag = ref.partition("#")
            target = (p.parent/path).resolve() if path else p.resolve()
            if not target.exists(): problems.append(f"{p.relative_to(OUT)}: {kind} {ref!r} does not resolve"); continue
            if frag and target.suffix == ".html" and frag not in ids[target]:
                problems.append(f"{p.relative_to(OUT)}: link {ref!r}: no anchor #{frag} in {target.name}")
    print(f"links: {n} internal links and images checked on {len(pages)} pages")
    return problems

def check_config()->list:
    "Every sidebar entry is a notebook of the site, and nbs/nbdev.yml is what nbdev_docs writes from settings.ini"
    entries = re.findall(r"-\s+([\w/.-]+\.ipynb)", (NBS/"sidebar.yml").read_text())
    problems = [f"sidebar.yml: {e} does not exist" for e in entries if not (NBS/e).is_file()]
    from nbdev.config import get_config
    from nbdev.quarto import _nbdev_yml
    cfg = get_config()
    want = _nbdev_yml.format(**{k: cfg[k] for k in ("title", "description", "branch", "git_url", "doc_host", "doc_baseurl")},
                             doc_path=cfg.doc_path.name)
    if (NBS/"nbdev.yml").read_text() != want:
        problems.append("nbs/nbdev.yml differs from what nbdev_docs writes from settings.ini (nbdev.quarto.refresh_quarto_yml)")
    return problems

def screenshots(height:int=3000)->list:
    "Headless-Chromium screenshots (1280 px wide, the top `height` px) of the home, 01_fisher and results pages"
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe: sys.exit("FAIL: --screenshots needs Chromium: `apt-get install chromium` (Debian), then rerun")
    shots = []
    with tempfile.TemporaryDirectory() as prof:
        for name, page in SHOTS.items():
            png = OUT/"screenshots"/f"{name}.png"; png.parent.mkdir(exist_ok=True)
            subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                            "--disable-background-networking", "--disable-component-update", "--disable-sync",
                            f"--user-data-dir={prof}", "--hide-scrollbars", f"--window-size=1280,{height}",
                            f"--screenshot={png}", (OUT/page).as_uri()], capture_output=True, timeout=120)
            if not png.is_file(): sys.exit(f"FAIL: Chromium wrote no screenshot of {page}")
            shots.append(png)
    print("screenshots:", ", ".join(str(p.relative_to(ROOT)) for p in shots))
    return shots

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--screenshots", action="store_true", help="also take headless-Chromium screenshots")
    p.add_argument("--no-process", action="store_true", help="render the _proc/ already there (after a docs run)")
    a = p.parse_args(argv)
    if not a.no_process: process()
    names = page_names()
    problems = render(names) + check_links() + check_config()
    if problems: sys.exit("FAIL: the docs site has problems:\n  " + "\n  ".join(problems))
    print("docs check: every page renders and every image and internal link resolves")
    if a.screenshots: screenshots()

if __name__ == "__main__": main()
