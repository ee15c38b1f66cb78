#!/usr/bin/env bash
# Checks deploy/Dockerfile without a Docker engine (none runs in CI):
#   1. static: both stages are debian:12-slim, every COPY source exists in the repository,
#      the build stage runs install-deps.sh and the default CMake workflow, the runtime stage
#      runs as a non-root user, and its runtime packages exist in the apt archive;
#   2. unless --static: runs the build stage's RUN steps on the host, in a copy of the tree
#      (so `rm -rf build` touches nothing of yours), then checks that the files the runtime
#      stage copies out of the build stage exist and that every shared library the binary
#      needs comes from the runtime stage's package list or the base image.
# Usage: deploy/check-dockerfile.sh [--static]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dockerfile="$root/deploy/Dockerfile"
fail=0
problem() { echo "check-dockerfile: $*" >&2; fail=1; }

# --- static checks --------------------------------------------------------------------------
mapfile -t froms < <(grep -E '^FROM ' "$dockerfile")
[ "${#froms[@]}" -eq 2 ] || problem "expected two stages, found ${#froms[@]}"
for f in "${froms[@]}"; do
    [[ "$f" =~ ^FROM\ debian:12-slim ]] || problem "base image is not debian:12-slim: $f"
done
grep -q '^RUN ./deploy/install-deps.sh' "$dockerfile" || problem "build stage does not run install-deps.sh"
grep -q 'cmake --workflow --preset default' "$dockerfile" || problem "build stage does not run the default workflow"
grep -qE '^USER [1-9][0-9]*' "$dockerfile" || problem "runtime stage does not switch to a non-root uid"
grep -q '^VOLUME /var/lib/incident-bot' "$dockerfile" || problem "no VOLUME for the database"

# COPY sources from the build context (not --from=build) must exist.
while read -r _ src _; do
    [ -e "$root/$src" ] || problem "COPY source '$src' does not exist"
done < <(grep -E '^COPY ' "$dockerfile" | grep -v -- '--from=')

# `COPY . .` takes the whole context: local databases, token files and build folders must be
# ignored (.dockerignore).
for pattern in .git 'build*' '**/*.db' '**/.env' 'config/*.json'; do
    grep -qxF "$pattern" "$root/.dockerignore" 2>/dev/null ||
        problem ".dockerignore does not exclude '$pattern'"
done

# The runtime packages (the apt-get install line of the last stage).
runtime_packages=$(awk '/^FROM /{stage++} stage==2' "$dockerfile" |
    sed -n '/apt-get install/,/rm -rf/p' | tr ' \\' '\n\n' |
    grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -vE '^(apt-get|install|rm|useradd|rf)$' || true)
[ -n "$runtime_packages" ] || problem "no runtime packages found"
for p in $runtime_packages; do
    apt-cache show "$p" >/dev/null 2>&1 || problem "runtime package '$p' is not in the apt archive"
done

if [ "${1:-}" = "--static" ]; then
    [ "$fail" -eq 0 ] && echo "check-dockerfile: static checks passed"
    exit "$fail"
fi

# --- the build stage, on the host -----------------------------------------------------------
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "check-dockerfile: building a copy of the tree in $work"
tar -C "$root" --exclude='./build*' --exclude='./.git' -cf - . | tar -C "$work" -xf -
(
    cd "$work"
    ./deploy/install-deps.sh
    rm -rf build && cmake --workflow --preset default \
        && cmake --install build --prefix "$work/opt" --strip
)

# The runtime stage's COPY --from=build sources.
while read -r _ _ src _; do
    rel=${src#/opt/incident-bot/}
    [ -e "$work/opt/$rel" ] || problem "runtime stage copies '$src', which the build does not install"
done < <(grep -E '^COPY --from=build ' "$dockerfile")

# Every shared library must come from a runtime package or from debian:12-slim itself.
base="libc6 libstdc++6 libgcc-s1 zlib1g"
for lib in $(ldd "$work/opt/bin/incident-bot" | awk '/=>/ {print $3}'); do
    pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -1 | cut -d: -f1 || true)
    [ -n "$pkg" ] || pkg=$(dpkg -S "$lib" 2>/dev/null | head -1 | cut -d: -f1 || true)
    case " $runtime_packages $base " in
        *" $pkg "*) ;;
        *) problem "incident-bot needs $lib (package '${pkg:-unknown}'), not in the runtime stage" ;;
    esac
done
"$work/opt/bin/incident-bot" help >/dev/null || problem "the installed binary does not run"

[ "$fail" -eq 0 ] && echo "check-dockerfile: build steps ran and the runtime stage is complete"
exit "$fail"
