# Generates N company-like pages (about 19 KB each) into a folder, which
# benches/static-ab.sh serves: a head with meta, an inline stylesheet,
# analytics and consent scripts and JSON-LD; a menu of 60 links shared by
# every page; unique prose; 12 related links forming a tree (page i links
# 12i+1..12i+12); a footer with contact details.
# Usage: python3 benches/company-site.py PAGES FOLDER
import os, random, sys
N = int(sys.argv[1]); out = sys.argv[2]
os.makedirs(f"{out}/p", exist_ok=True)
random.seed(7)
words = ("logistics software warehouse fleet route planning customers partners service quality "
         "engineering support delivery platform integration analytics reliable secure scalable "
         "solutions industry experience team global regional markets innovation sustainability").split()
style = "<style>" + "".join(f".c{i}{{margin:{i}px;padding:{i%7}px;color:#{i:06x}}}" for i in range(120)) + "</style>"
scripts = ("<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}"
           "gtag('js',new Date());gtag('config','G-ABC123');</script>"
           "<script src=\"/assets/jquery-3.7.1.min.js\"></script>"
           "<script>var consent={necessary:true,analytics:false};function accept(){consent.analytics=true;"
           "document.cookie='consent=1;path=/';}</script>")
menu = "<nav><ul>" + "".join(f'<li><a href="/p/{i}.html">Menu item {i}</a></li>' for i in range(1, 61)) + "</ul></nav>"
footer = ('<footer><p>Acme Logistics GmbH, Hafenstraße 12, 20457 Hamburg. Tel. +49 40 123456-0, '
          'Fax +49 40 123456-99, info@acme-logistics.example, jobs@acme-logistics.example</p>'
          '<a href="https://www.linkedin.com/company/acme-logistics">LinkedIn</a> '
          '<a href="https://twitter.com/acmelogistics">X</a> <a href="/p/1.html">Impressum</a></footer>')
def page(i):
    prose = "".join("<p>" + " ".join(random.choice(words) for _ in range(90)) + ".</p>" for _ in range(12))
    related = "".join(f'<a href="/p/{c}.html">Related {c}</a> ' for c in range(12 * i + 1, 12 * i + 13) if c < N)
    jsonld = ('<script type="application/ld+json">{"@context":"https://schema.org","@type":"Organization",'
              '"name":"Acme Logistics","url":"/","telephone":"+49 40 123456-0"}</script>')
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme page {i}</title>'
            f'<meta name="description" content="Page {i}"><meta property="og:title" content="Acme {i}">'
            f'{style}{scripts}{jsonld}</head><body>{menu}<main><h1>Page {i}</h1>{prose}'
            f'<table><tr><td>Row</td><td>{i}</td></tr></table></main><aside>{related}</aside>{footer}</body></html>')
for i in range(N):
    path = f"{out}/index.html" if i == 0 else f"{out}/p/{i}.html"
    open(path, "w").write(page(i))
