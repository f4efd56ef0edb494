#!/usr/bin/env bats
# tests/man.bats - the manual pages (SPEC §5): each renders without a
# warning, ipcdemo(1) lists every applet, every applet has its page,
# and each page shows the usage and the options of its --help.
# The applet loops read "ipcdemo --list", so a new applet without a
# page, or missing from ipcdemo(1)'s APPLETS section, fails here.

bats_require_minimum_version 1.5.0
load helpers

SOURCE=${IPCDEMO_SOURCE:-$BATS_TEST_DIRNAME/..}
MAN=$SOURCE/man

setup() {
	common_setup
}

teardown() {
	common_teardown
}

# The page as plain text, lines unwrapped (mandoc's -Tascii with the
# overstrike of bold and underline taken out).
render() {
	mandoc -Tascii -O width=300 "$1" | sed 's/.\x08//g'
}

# The body of section TITLE of rendered text on stdin.
section() {
	awk -v title="$1" '/^[A-Z]/ { inside = ($0 == title); next }
		inside' | sed 's/^ *//'
}

# The options a --help text names: -x and --word tokens.
options_in() {
	grep -oE -- '(^|[^[:alnum:]-])--?[[:alpha:]][[:alnum:]-]*' <<<"$1" |
		sed 's/^[^-]*//' | LC_ALL=C sort -u
}

@test "man/ holds ipcdemo.1 and a page for every applet" {
	[[ -f $MAN/ipcdemo.1 ]] || fail "no $MAN/ipcdemo.1"
	local name missing=()
	for name in $("$IPCDEMO" --list); do
		[[ -f $MAN/$name.1 ]] || missing+=("man/$name.1")
	done
	((${#missing[@]} == 0)) || fail "missing pages: ${missing[*]}"
}

@test "mandoc -Tlint -W warning finds nothing in any page" {
	local page n=0
	for page in "$MAN"/*.1; do
		[[ -f $page ]] || continue
		n=$((n + 1))
		run mandoc -Tlint -W warning "$page"
		assert_success
		assert_output ""
	done
	((n > 0)) || fail "no pages in $MAN"
}

@test "groff -man -ww -z finds nothing in any page" {
	command -v groff >/dev/null || skip "groff is not installed"
	local page
	for page in "$MAN"/*.1; do
		run groff -man -ww -z "$page"
		assert_success
		assert_output ""
	done
}

@test "every page is titled after its file, section 1" {
	local page name
	for page in "$MAN"/*.1; do
		name=$(basename "$page" .1)
		grep -qE "^\.TH ${name^^} 1( |$)" "$page" ||
			fail "$page: .TH is not '${name^^} 1'"
		run section NAME < <(render "$page")
		assert_line --index 0 --regexp "^$name - "
	done
}

@test "ipcdemo(1) lists every applet in its APPLETS section" {
	local listed name
	listed=$(render "$MAN/ipcdemo.1" | section APPLETS)
	[[ -n $listed ]] || fail "ipcdemo.1 has no APPLETS section"
	for name in $("$IPCDEMO" --list); do
		grep -qE "^$name\(1\)$" <<<"$listed" ||
			fail "ipcdemo.1: APPLETS has no '.BR $name (1)' entry"
	done
}

@test "each page's SYNOPSIS shows every line of its usage" {
	local name page usage synopsis line
	for name in ipcdemo $("$IPCDEMO" --list); do
		page=$MAN/$name.1
		[[ -f $page ]] || continue # the first test reports it
		if [[ $name == ipcdemo ]]; then
			usage=$("$IPCDEMO" --help)
		else
			usage=$("$IPCDEMO" "$name" --help)
		fi
		# Our usage strings start "usage: "; ipcrm-clone's follows
		# util-linux and is checked against ipcrm's own page.
		[[ $usage == "usage: "* ]] || continue
		synopsis=$(render "$page" | section SYNOPSIS | tr -s ' ')
		while IFS= read -r line; do
			[[ -z $line ]] && break
			line=$(sed -E 's/^(usage:)? +//' <<<"$line" | tr -s ' ')
			grep -qxF -- "$line" <<<"$synopsis" ||
				fail "$name.1: SYNOPSIS lacks '$line'"
		done <<<"$usage"
	done
}

@test "each page describes every option its --help names" {
	local name page help text opt
	for name in ipcdemo $("$IPCDEMO" --list); do
		page=$MAN/$name.1
		[[ -f $page ]] || continue
		if [[ $name == ipcdemo ]]; then
			help=$("$IPCDEMO" --help)
		else
			help=$("$IPCDEMO" "$name" --help)
		fi
		text=$(render "$page")
		for opt in $(options_in "$help"); do
			grep -qE -- "(^|[^[:alnum:]-])$opt([^[:alnum:]-]|$)" \
				<<<"$text" || fail "$name.1 does not mention $opt"
		done
	done
}
