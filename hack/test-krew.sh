#!/usr/bin/env bash
# Checks the krew manifest dist/oidc-thumbprint.yaml and the archives in dist/
# with krew v0.4.3 (hack/krew/go.mod), without reaching the network:
#   1. plugins/oidc-thumbprint.yaml describes the same plugin as .krew.yaml;
#   2. validate-krew-manifest accepts both manifests;
#   3. validate-krew-manifest installs every platform's archive, served from
#      dist/ on 127.0.0.1, and finds LICENSE among the installed files;
#   4. `krew install --manifest --archive` installs the linux/amd64 archive into
#      a temporary KREW_ROOT, kubectl plugin list shows the plugin, and
#      `kubectl oidc-thumbprint version` prints the manifest's version;
#   5. the completion script kubectl_complete-oidc_thumbprint is installed in
#      the plugin's directory but not linked into KREW_ROOT/bin, and after the
#      copy command of the manifest's caveats, `kubectl __complete` lists the
#      plugin's commands.
#
# Run it through `make validate-krew-manifest`, which builds the archives, the
# manifest and the krew binaries first. KREW_BIN_DIR is the directory with the
# krew and validate-krew-manifest binaries (default: _output/bin).
#
# krew never touches its plugin index here: install with --manifest skips the
# index, no command here runs `krew update`, and step 4 fails if an index
# appears in KREW_ROOT. krew's upgrade check is off because the binaries are
# development builds without a version, and KREW_NO_UPGRADE_CHECK is set too.
set -euo pipefail

cd "$(dirname "$0")/.."

readonly DIST=dist
readonly MANIFEST=$DIST/oidc-thumbprint.yaml
readonly INDEX_MANIFEST=plugins/oidc-thumbprint.yaml
readonly BIN=kubectl-oidc_thumbprint
readonly COMPLETION=kubectl_complete-oidc_thumbprint
KREW_BIN_DIR=$(cd "${KREW_BIN_DIR:-_output/bin}" && pwd)
readonly KREW_BIN_DIR

for tool in kubectl python3 "$KREW_BIN_DIR/krew" "$KREW_BIN_DIR/validate-krew-manifest"; do
	command -v "$tool" >/dev/null || { echo "missing prerequisite: $tool" >&2; exit 1; }
done
if [[ ! -f $MANIFEST ]]; then
	echo "missing $MANIFEST: run make krew-manifest" >&2
	exit 1
fi

version=$(sed -n 's/^  version: //p' "$MANIFEST")
linux_archive=$DIST/${BIN}_${version}_linux_amd64.tar.gz
if [[ ! -f $linux_archive ]]; then
	echo "missing $linux_archive for version \"$version\" of $MANIFEST: run make krew-manifest" >&2
	exit 1
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
	if [[ -n $server_pid ]]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

export KREW_NO_UPGRADE_CHECK=1
# validate-krew-manifest runs `kubectl krew install`, so krew must be a kubectl
# plugin on PATH.
mkdir -p "$work/path"
ln -s "$KREW_BIN_DIR/krew" "$work/path/kubectl-krew"
export PATH=$work/path:$PATH

echo "== $INDEX_MANIFEST describes the plugin of .krew.yaml"
# Lines that differ per release: comments, the version, the URIs and the hashes.
strip_release_lines() {
	grep -Ev '^[[:space:]]*(#|version:|uri:|sha256:)' "$1"
}
if ! diff -u <(strip_release_lines "$MANIFEST") <(strip_release_lines "$INDEX_MANIFEST"); then
	echo "$INDEX_MANIFEST differs from .krew.yaml (rendered in $MANIFEST): render it again with hack/render-krew-manifest.sh" >&2
	exit 1
fi

echo "== validate-krew-manifest: structure of both manifests"
"$KREW_BIN_DIR/validate-krew-manifest" -manifest "$MANIFEST" -skip-install
"$KREW_BIN_DIR/validate-krew-manifest" -manifest "$INDEX_MANIFEST" -skip-install

echo "== validate-krew-manifest: install of every platform from 127.0.0.1"
# krew downloads only over HTTP, not from file:// URIs, so a copy of the
# manifest points at dist/ served on a free loopback port.
python3 -u -m http.server --bind 127.0.0.1 --directory "$DIST" 0 >"$work/server.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 50); do
	port=$(sed -n 's/^Serving HTTP on 127\.0\.0\.1 port \([0-9]*\).*/\1/p' "$work/server.log")
	[[ -n $port ]] && break
	sleep 0.1
done
if [[ -z $port ]]; then
	echo "the HTTP server for $DIST/ did not start within 5s:" >&2
	cat "$work/server.log" >&2
	exit 1
fi
mkdir -p "$work/served"
hack/render-krew-manifest.sh --version "$version" --base-url "http://127.0.0.1:$port" --output "$work/served/oidc-thumbprint.yaml"
"$KREW_BIN_DIR/validate-krew-manifest" -manifest "$work/served/oidc-thumbprint.yaml"

echo "== krew install --manifest=$MANIFEST --archive=$linux_archive"
export KREW_ROOT=$work/krew
"$KREW_BIN_DIR/krew" install --manifest="$MANIFEST" --archive="$linux_archive"
if [[ -n $(ls -A "$KREW_ROOT/index" 2>/dev/null) ]]; then
	echo "krew created a plugin index in $KREW_ROOT/index, so it may have fetched it from the network" >&2
	exit 1
fi

export PATH=$KREW_ROOT/bin:$PATH
# kubectl plugin list exits 1 when it warns about any plugin on PATH, such as
# a shadowed one elsewhere, so its output is checked instead of its exit code.
plugins=$(kubectl plugin list 2>&1) || true
echo "$plugins"
if ! grep -qxF "$KREW_ROOT/bin/$BIN" <<<"$plugins"; then
	echo "kubectl plugin list does not show $KREW_ROOT/bin/$BIN" >&2
	exit 1
fi

output=$(kubectl oidc-thumbprint version)
echo "$output"
if [[ $output != "$version "* ]]; then
	echo "kubectl oidc-thumbprint version printed \"$output\", expected it to start with \"$version \"" >&2
	exit 1
fi
echo "== $COMPLETION after krew install"
store=$KREW_ROOT/store/oidc-thumbprint/$version
if [[ ! -f $store/$COMPLETION || ! -x $store/$COMPLETION ]]; then
	echo "krew did not install $COMPLETION as an executable file into $store:" >&2
	ls -l "$store" >&2
	exit 1
fi
# krew v0.4.3 links only the manifest's bin into KREW_ROOT/bin, so kubectl
# does not find the script until the user copies it there.
if [[ -e $KREW_ROOT/bin/$COMPLETION ]]; then
	echo "krew put $COMPLETION into $KREW_ROOT/bin: drop the copy command from the caveats in .krew.yaml" >&2
	exit 1
fi
copy_command=$(sed -n 's/^      \(cp .*'"$COMPLETION"'.*\)$/\1/p' "$MANIFEST")
if [[ -z $copy_command ]]; then
	echo "the caveats of $MANIFEST lack the cp command for $COMPLETION" >&2
	exit 1
fi
echo "$copy_command"
# The command comes from the repository's own manifest and expands KREW_ROOT
# as the user's shell would.
sh -c "$copy_command"
completions=$(kubectl __complete oidc-thumbprint "" 2>/dev/null)
echo "$completions"
for command in diagnose thumbprint update version; do
	if ! grep -q "^$command"$'\t' <<<"$completions"; then
		echo "kubectl __complete oidc-thumbprint \"\" does not list $command after the copy" >&2
		exit 1
	fi
done
echo "krew checks passed for $version"
