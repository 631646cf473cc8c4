#!/bin/sh
# Regenerates kvm-fixture-1.tar.gz reproducibly from src/.
cd "$(dirname "$0")/src" && tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
  -cf - kvm-fixture-1 | gzip -n > ../kvm-fixture-1.tar.gz
