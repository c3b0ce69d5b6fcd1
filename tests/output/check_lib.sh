# Shared by the output tests: a scratch folder `work` (removed at exit), `fail` (counts into
# `fails`), `keys`, `check` and `make_data`. Source it after setting iqnas; it skips the test when
# python3 (which parses the documents) is missing.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
command -v python3 >/dev/null || { echo "SKIP: python3 is needed to parse the JSON documents"; exit 0; }

# keys FILE KEY...: FILE is one JSON document with every dotted KEY (a.b.0.c), and every path listed
# under "written" exists. Prints what is wrong.
keys() {
  python3 - "$@" <<'PY'
import json, os, sys
try:
    doc = json.load(open(sys.argv[1]))
except ValueError as e:
    sys.exit("not one JSON document (%s): %s" % (e, open(sys.argv[1]).read(200)))
for key in sys.argv[2:]:
    v = doc
    for part in key.split("."):
        if isinstance(v, list) and part.isdigit() and int(part) < len(v):
            v = v[int(part)]
        elif isinstance(v, dict) and part in v:
            v = v[part]
        else:
            sys.exit("no key %s in %s" % (key, json.dumps(doc)[:300]))
for path in doc.get("written", []):
    if not os.path.exists(path):
        sys.exit("written lists %s, which does not exist" % path)
PY
}

# check NAME 'KEY...' ARGS...: runs `iqnas ARGS` four ways and checks the convention.
check() {
  local name="$1" want="$2"
  shift 2
  local why t0=$SECONDS
  "$iqnas" "$@" >"$work/plain.out" 2>"$work/plain.err" || fail "$name exited $?: $(tail -c 300 "$work/plain.err")"
  [[ -s "$work/plain.out" ]] || fail "$name: no human text on stdout"
  "$iqnas" "$@" --json >"$work/json.out" 2>"$work/json.err" || fail "$name --json exited $?: $(tail -c 300 "$work/json.err")"
  # shellcheck disable=SC2086
  why=$(keys "$work/json.out" $want 2>&1) || fail "$name --json: $why"
  [[ -s "$work/json.err" ]] || fail "$name --json: the human text is not on stderr"
  "$iqnas" "$@" --json --quiet >"$work/jq.out" 2>"$work/jq.err" || fail "$name --json --quiet exited $?"
  why=$(keys "$work/jq.out" 2>&1) || fail "$name --json --quiet: $why"
  [[ ! -s "$work/jq.err" ]] || fail "$name --json --quiet wrote to stderr: $(head -c 300 "$work/jq.err")"
  "$iqnas" "$@" --quiet >"$work/q.out" 2>"$work/q.err" || fail "$name --quiet exited $?"
  [[ ! -s "$work/q.out" && ! -s "$work/q.err" ]] || fail "$name --quiet printed: $(head -c 300 "$work/q.out" "$work/q.err")"
  "$iqnas" "${@:1:1}" --help >"$work/help" 2>&1
  grep -q -- "--quiet" "$work/help" && grep -q -- "--json" "$work/help" || fail "$name --help does not list --json and --quiet"
  echo "checked $name ($((SECONDS - t0)) s)"
}

# make_data DIR: a small data set in the Fashion-MNIST format (noise images, 10 classes): 200
# training and 50 test images, so that the data command and the supernet stages take seconds.
make_data() {
  python3 - "$1" <<'PY'
import gzip, os, random, struct, sys
os.makedirs(sys.argv[1])
rng = random.Random(0)
for prefix, n in (("train", 200), ("t10k", 50)):
    with gzip.open(os.path.join(sys.argv[1], prefix + "-images-idx3-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">iiii", 0x0803, n, 28, 28) + bytes(rng.randrange(256) for _ in range(n * 784)))
    with gzip.open(os.path.join(sys.argv[1], prefix + "-labels-idx1-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">ii", 0x0801, n) + bytes(i % 10 for i in range(n)))
PY
}
