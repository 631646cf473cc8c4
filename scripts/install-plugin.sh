#!/usr/bin/env bash
# Installs the kubectl plugin: PREFIX/bin/kubectl-kvm (kubectl finds kubectl-* on PATH) and the
# built kvm-operator jar with its lib/ under PREFIX/lib/kvm-operator/, where the launcher looks.
#   scripts/install-plugin.sh PREFIX     (after `mvn package`; make install-plugin does both)
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX="${1:?usage: $0 PREFIX}"
[ -f target/kvm-operator.jar ] || { echo "install-plugin: target/kvm-operator.jar missing (make package)" >&2; exit 1; }
LIB="$PREFIX/lib/kvm-operator"
rm -rf "$LIB"
install -d "$PREFIX/bin" "$LIB/lib"
install -m 644 target/kvm-operator.jar "$LIB/kvm-operator.jar"
install -m 644 target/lib/*.jar "$LIB/lib/"
sed "s|@KVMOP_JAR@|$LIB/kvm-operator.jar|" scripts/kubectl-kvm >"$PREFIX/bin/kubectl-kvm"
chmod 755 "$PREFIX/bin/kubectl-kvm"
echo "installed $PREFIX/bin/kubectl-kvm (jar in $LIB)"
case ":$PATH:" in
  *":$PREFIX/bin:"*) ;;
  *) echo "note: $PREFIX/bin is not on PATH; kubectl finds plugins on PATH" ;;
esac
