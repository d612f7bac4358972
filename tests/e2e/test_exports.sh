# The preload exports exactly the libc names the call table
# (include/socklens/calls.def) says it wraps (STYLE.md 4): nothing of its
# own leaks into the traced program's namespace, no wrapper is missing
# from the table (the viewer's lists are made from it), and no row of the
# table lacks its wrapper.
. "$(dirname "$0")/lib.sh"
need nm
cc=${CC:-cc}
command -v "$cc" >/dev/null 2>&1 || skip "no C compiler to read the call table"

# The table's SL_FN rows but the BOUND ones, by the C preprocessor.
printf '%s\n' '#define SL_LIST_SOCK(sym) sym' '#define SL_LIST_LIBC(sym) sym' \
	'#define SL_LIST_BOUND(sym)' \
	'#define SL_FN(f, sym, r, p, c, kind) SL_LIST_##kind(sym)' \
	'#include "socklens/calls.def"' |
	"$cc" -E -P -I"$SL_ROOT/include" -x c - | tr -d '" ' | sed '/^$/d' |
	sort >"$TMP/table"
[ -s "$TMP/table" ] || fail "no SL_FN rows read from calls.def"

nm -D --defined-only "$LIB" | awk '{print $3}' | sort >"$TMP/exported"
extra=$(comm -23 "$TMP/exported" "$TMP/table")
[ -z "$extra" ] || fail "exported but not in calls.def: $extra"
missing=$(comm -13 "$TMP/exported" "$TMP/table")
[ -z "$missing" ] || fail "in calls.def but not exported (no wrapper?): $missing"
echo "ok: $(wc -l <"$TMP/table") wrapped names, as the table says"
