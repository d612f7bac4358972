# The docs stand alone: nothing cites the design notes kept outside the
# repository (the name is spelled in pieces here, so this file is none);
# every citation of a folder's README by section, `(DIR/README.md,
# "Section")`, names a section that README has; and the man pages read
# with `man -l` from the tree without a warning.
. "$(dirname "$0")/lib.sh"
cd "$SL_ROOT"
[ -d .git ] || [ -f .git ] || skip "not a git checkout: no list of the tracked files"

files=$(git ls-files)
outside="DESIGN"".md"
hits=$(echo "$files" | xargs grep -lnF "$outside" 2>/dev/null || true)
[ -z "$hits" ] || fail "$outside is cited in: $hits"

# Citations may wrap a line: each file's lines are joined first. One
# python pass over the tracked files (a few processes per file and per
# citation took over a minute on a loaded machine).
need python3
echo "$files" | python3 -c '
import os, re, sys
cite = re.compile(r"[a-z]+/README\.md, \"[^\"]+\"")
keep = re.compile(r"\.(c|h|def|sh|py|md)$|Makefile")
sections = {}
bad = n = 0
out = open(sys.argv[1], "w")
for f in sys.stdin.read().split():
    if not keep.search(f) or not os.path.isfile(f):
        continue
    text = open(f, errors="replace").read().replace("\n", " ")
    text = re.sub(r"[ \t*#]{2,}", " ", text)
    for c in cite.findall(text):
        n += 1
        out.write("%s:%s\n" % (f, c))
        readme, section = c.split(", ", 1)
        section = section[1:-1]
        if not os.path.isfile(readme):
            print("%s:%s: no %s" % (f, c, readme), file=sys.stderr)
            bad += 1
            continue
        if readme not in sections:
            sections[readme] = set(open(readme).read().split("\n"))
        if "## " + section not in sections[readme]:
            print("%s:%s: %s has no section \"%s\"" % (f, c, readme, section),
                  file=sys.stderr)
            bad += 1
print(bad)
' "$TMP/cites" >"$TMP/bad"
[ -s "$TMP/cites" ] || fail "no README citations found: the pattern is wrong"
bad=$(cat "$TMP/bad")
[ "$bad" -eq 0 ] || fail "$bad citations point nowhere"

need groff
for page in viewer/man/socklens.1 viewer/man/socklens-policy.5 \
	viewer/man/socklens-export.5; do
	groff -man -Tutf8 -ww -z "$page" 2>"$TMP/warn" || fail "$page: groff failed"
	[ ! -s "$TMP/warn" ] || fail "$page: $(cat "$TMP/warn")"
done
echo "ok: $(wc -l <"$TMP/cites") README citations resolve, 3 man pages"
