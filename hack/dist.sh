#!/usr/bin/env bash
# Builds the release archives of kubectl-oidc_thumbprint into dist/: a .tar.gz
# for each Linux and macOS platform and a .zip for Windows, each containing the
# binary and LICENSE, plus an <archive>.sha256 file in sha256sum format. The
# .tar.gz archives also contain the shell completion script
# cmd/kubectl_complete-oidc_thumbprint. The .zip leaves it out, because it is
# a POSIX sh script, and kubectl on Windows finds only executables with an
# extension from PATHEXT.
#
# Two runs on the same source with the same Go toolchain, tar, gzip and zip
# produce identical bytes: the build drops file paths and the build ID, and
# the archives fix member order, times, owners and modes. It needs GNU tar.
#
# Environment:
#   VERSION  version stamped into the binary and the archive names. Default:
#            `git describe --tags --always --dirty` when it starts with a
#            v-prefixed tag, otherwise v0.0.0-dev, because krew rejects a
#            version without a leading v and describe prints only a commit
#            hash while the repository has no tag.
#   COMMIT   commit stamped into the binary. Default: `git rev-parse --short HEAD`.
set -euo pipefail

cd "$(dirname "$0")/.."

readonly PKG=github.com/oidc-thumbprint/kubectl-oidc-thumbprint
readonly BIN=kubectl-oidc_thumbprint
readonly COMPLETION=kubectl_complete-oidc_thumbprint
readonly DIST=dist
readonly PLATFORMS=(linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64)

default_version() {
	local described
	described=$(git describe --tags --always --dirty 2>/dev/null) || described=""
	case "$described" in
	v[0-9]*) echo "$described" ;;
	*) echo v0.0.0-dev ;;
	esac
}

VERSION=${VERSION:-$(default_version)}
COMMIT=${COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}

# VERSION becomes part of file names and URLs.
if [[ ! $VERSION =~ ^[A-Za-z0-9._+-]+$ ]]; then
	echo "invalid VERSION \"$VERSION\": use letters, digits and . _ + - only, for example v1.2.3" >&2
	exit 1
fi
for tool in go tar gzip zip sha256sum; do
	command -v "$tool" >/dev/null || { echo "missing prerequisite: $tool" >&2; exit 1; }
done

readonly LDFLAGS="-s -w -buildid= -X $PKG/pkg/cmd.version=$VERSION -X $PKG/pkg/cmd.commit=$COMMIT"

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT

rm -rf "$DIST"
mkdir -p "$DIST"

for platform in "${PLATFORMS[@]}"; do
	goos=${platform%/*}
	goarch=${platform#*/}
	name=${BIN}_${VERSION}_${goos}_${goarch}
	exe=$BIN
	if [[ $goos == windows ]]; then
		exe=$BIN.exe
	fi

	dir=$staging/$name
	mkdir -p "$dir"
	echo "building $name"
	# GOFLAGS and the GOAMD64/GOARM64 levels are reset, so that these settings
	# in the caller's environment do not change the binary.
	GOFLAGS='' GOAMD64=v1 GOARM64=v8.0 CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch \
		go build -trimpath -buildvcs=false -ldflags "$LDFLAGS" -o "$dir/$exe" ./cmd/kubectl-oidc_thumbprint
	cp LICENSE "$dir/LICENSE"
	chmod 0755 "$dir/$exe"
	chmod 0644 "$dir/LICENSE"

	# Members are listed in byte order (LICENSE sorts before kubectl-..., and
	# kubectl- before kubectl_), the same order that tar --sort=name uses.
	if [[ $goos == windows ]]; then
		archive=$name.zip
		# A zip entry stores a DOS time in local time, and DOS times start in
		# 1980, so every file gets 1980-01-01 00:00 in UTC. -X leaves out the
		# Unix owner and extended time fields.
		TZ=UTC touch -d '1980-01-01 00:00:00' "$dir/LICENSE" "$dir/$exe"
		(cd "$dir" && TZ=UTC zip -q -X -9 "$OLDPWD/$DIST/$archive" LICENSE "$exe")
	else
		archive=$name.tar.gz
		cp "cmd/$COMPLETION" "$dir/$COMPLETION"
		chmod 0755 "$dir/$COMPLETION"
		tar --create --file=- --directory="$dir" --format=gnu --sort=name \
			--mtime=@0 --owner=0 --group=0 --numeric-owner LICENSE "$exe" "$COMPLETION" |
			gzip -n -9 >"$DIST/$archive"
	fi
	(cd "$DIST" && sha256sum "$archive" >"$archive.sha256")
done

echo "archives of $VERSION (commit $COMMIT) in $DIST/:"
cat "$DIST"/*.sha256
