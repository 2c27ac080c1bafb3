#!/usr/bin/env bash
# Peak memory of cira-crawler on a hostile site: every page is the same
# 5 MiB of 350,000 distinct relative links ("qabc/"), so each page fetched
# links 350,000 URLs no other page links. Prints /usr/bin/time -v's peak RSS,
# the queue the crawl ended with and the checkpoint files' size.
#
#   benches/hostile-links.sh PAGES [CRAWLER]   # CRAWLER defaults to target/debug/cira-crawler
set -euo pipefail
pages=${1:-10}
crawler=${2:-target/debug/cira-crawler}
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
cleanup() { [[ -n ${server:-} ]] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
python3 - "$work/page.html" <<'PY'
import sys
def letters(n):
    out = 'q'
    while True:
        out += chr(ord('a') + n % 26)
        n //= 26
        if n == 0:
            return out
parts = ['<html><body>'] + ['<a href=%s/>' % letters(i) for i in range(350000)]
parts.append('<a href=/impressum/>Imprint</a></body></html>')
open(sys.argv[1], 'w').write(''.join(parts))
PY
python3 - "$port" "$work/page.html" <<'PY' &
import http.server, sys
body = open(sys.argv[2], 'rb').read()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_GET(self):
        ok = self.path.endswith('/')
        self.send_response(200 if ok else 404)
        self.send_header('Content-Type', 'text/html')
        self.send_header('Content-Length', str(len(body) if ok else 0))
        self.end_headers()
        if ok:
            self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
PY
server=$!
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done
echo "page: $(stat -c %s "$work/page.html") bytes, $pages pages"
/usr/bin/time -v "$crawler" scan "http://127.0.0.1:$port/" --state-dir "$work/state" \
    --allow-private-networks --max-pages "$pages" --requests-per-second 0 \
    --no-sitemaps --no-robots --plain-progress >/dev/null 2>"$work/log"
grep -E "Maximum resident|Elapsed|User time" "$work/log"
grep -o 'crawl finished.*' "$work/log" || true
echo "checkpoint files: $(cat "$work"/state/checkpoint-* "$work"/state/journal-* | wc -c) bytes"
