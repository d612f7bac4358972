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

# Citations may wrap a line: join each file's lines first.
echo "$files" | grep -E '\.(c|h|def|sh|py|md)$|Makefile' | while read -r f; do
	tr '\n' ' ' <"$f" | sed 's/[ \t*#]\{2,\}/ /g' |
		grep -oE '[a-z]+/README\.md, "[^"]+"' | sed "s|^|$f:|"
done >"$TMP/cites"
[ -s "$TMP/cites" ] || fail "no README citations found: the pattern is wrong"
bad=0
while IFS= read -r line; do
	readme=$(echo "$line" | sed 's/^[^:]*:\([^,]*\), .*/\1/')
	section=$(echo "$line" | sed 's/.*, "\(.*\)"$/\1/')
	if [ ! -f "$readme" ]; then
		echo "$line: no $readme" >&2; bad=$((bad + 1))
	elif ! grep -qxF "## $section" "$readme"; then
		echo "$line: $readme has no section \"$section\"" >&2; bad=$((bad + 1))
	fi
done <"$TMP/cites"
[ "$bad" -eq 0 ] || fail "$bad citations point nowhere"

need groff
for page in viewer/man/socklens.1 viewer/man/socklens-policy.5 \
	viewer/man/socklens-export.5; do
	groff -man -Tutf8 -ww -z "$page" 2>"$TMP/warn" || fail "$page: groff failed"
	[ ! -s "$TMP/warn" ] || fail "$page: $(cat "$TMP/warn")"
done
echo "ok: $(wc -l <"$TMP/cites") README citations resolve, 3 man pages"
