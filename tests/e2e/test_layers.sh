# The viewer's layers, checked on the objects make built: a file calls
# only layers below its own (viewer/README.md, "Layers"), no subcommand
# calls another subcommand's file, and within the model a file calls
# only the files listed after it (model/model_int.h). A reference to a
# function is a reference, called or handed on as a pointer: what a
# layer hands down (reorder's apply, the frame walk's, the model's
# retire) names a function of its own or of a layer below it.
. "$(dirname "$0")/lib.sh"
need nm

# Top to bottom. The policy library (preload/policy/) is shared with the
# preload and uses nothing of the viewer: it sits at the bottom with lib.
layers="main cmd out model order intake file elf lib policy"
model_files="load apply alias proc calls handoff retire pair epoll hold park callers sock resolve waterfall"

rank_of() {	# OBJECT -> "LAYER_RANK FILE_RANK LAYER FILE"
	obj=${1#"$SL_BUILD"/}
	case $obj in
	viewer/main.o) layer=main ;;
	viewer/*/*) layer=${obj#viewer/}; layer=${layer%%/*} ;;
	preload/policy/*) layer=policy ;;
	*) layer=unknown ;;
	esac
	file=$(basename "$obj" .o)
	lr=0 r=0
	for l in $layers; do
		[ "$l" = "$layer" ] && lr=$r
		r=$((r + 1))
	done
	fr=0
	if [ "$layer" = model ]; then
		r=0 fr=99
		for f in $model_files; do
			[ "$f" = "$file" ] && fr=$r
			r=$((r + 1))
		done
		[ $fr -lt 99 ] || fail "model/$file.c is not in the model's file order"
	fi
	echo "$lr $fr $layer $file"
}

# The objects of today's sources (a build directory may hold older ones).
objs=$(cd "$SL_ROOT" && ls viewer/main.c viewer/*/*.c preload/policy/*.c |
	sed "s|^|$SL_BUILD/|; s|\.c\$|.o|")
for o in $objs; do
	[ -f "$o" ] || skip "$o is not built"
done
objs="$objs $SL_BUILD/viewer/out/page_html.o"
: >"$TMP/ranks"
# Each object's rank once; then one nm over all of them, and one awk pass
# joins every reference with its definition (a loop of nm and awk per
# symbol, then even an nm per object, took most of two minutes on a
# loaded machine: each process start costs there).
for o in $objs; do
	set -- $(rank_of "$o")
	[ "$3" != unknown ] || fail "$o: not in a layer"
	echo "$o: $*" >>"$TMP/ranks"
done
# shellcheck disable=SC2086
nm -A -P $objs >"$TMP/nm" || fail "nm failed"
# OBJECT: SYMBOL TYPE ... -> SYMBOL LAYER_RANK FILE_RANK LAYER FILE
awk 'NR == FNR { r[$1] = $2 " " $3 " " $4 " " $5; next }
	$3 ~ /^[TDRB]$/ { print $2, r[$1] > d }
	$3 == "U" { print $2, r[$1] > u }' d="$TMP/defs" u="$TMP/uses" \
	"$TMP/ranks" "$TMP/nm"
grep -q '^sl_cmd_run 1 0 cmd run$' "$TMP/defs" || fail "nm's table does not read as expected"
# defs and uses: SYMBOL LAYER_RANK FILE_RANK LAYER FILE. The first
# definition of a name counts; libc's and libelf's have none.
bad=$(awk '
	NR == FNR { if (!($1 in lr)) { lr[$1] = $2; fr[$1] = $3; ly[$1] = $4; fl[$1] = $5 }; next }
	!($1 in lr) { next }
	{
		s = $1; why = ""
		if ($2 > lr[s]) why = "calls up into layer " ly[s]
		else if ($2 == lr[s] && $4 == "cmd" && $5 != fl[s]) why = "a subcommand calls another"
		else if ($2 == lr[s] && $4 == "model" && $3 > fr[s]) why = "calls back up the model'"'"'s file order"
		if (why != "") { printf "%s/%s.c: %s (%s/%s.c): %s\n", $4, $5, s, ly[s], fl[s], why > "/dev/stderr"; n++ }
	}
	END { print n + 0 }' "$TMP/defs" "$TMP/uses")
[ "$bad" -eq 0 ] || fail "$bad references against the layers"
echo ok: $(echo "$objs" | wc -l) objects, every reference downward
