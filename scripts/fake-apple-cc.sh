#!/usr/bin/env bash
# A stand-in C compiler and archiver for checking the macOS build on Linux
# (the macOS step of scripts/test.sh): `cargo clippy` never links, but the
# build scripts of some dependencies compile C or Objective-C with the cc
# crate (mac-notification-sys's notify.m, ring, the bundled SQLite), and
# there is no Apple SDK here. This compiles nothing: each output is an empty object
# file or an empty archive, so a link would fail, and must.
#
# Called as the compiler:  fake-apple-cc.sh [flags] -c -o out.o file.m
#                  (and as cc's probe: fake-apple-cc.sh -E probe.c)
# Called as the archiver:  fake-apple-cc.sh cq|cqD|s|sD|crs lib.a [objs]
set -euo pipefail

# The archiver: a mode word first (no dash), then the archive.
if [[ $# -ge 2 && $1 =~ ^[A-Za-z]+$ && $2 == *.a ]]; then
  [[ -s $2 ]] || printf '!<arch>\n' >"$2"
  exit 0
fi

args="$*"
out=""
preprocess=false
while (($#)); do
  case $1 in
    -o) out=${2-}; shift ;;
    -o*) out=${1#-o} ;;
    -E) preprocess=true ;;
  esac
  shift
done

# cc's compiler-family probe preprocesses a file and reads stdout: say
# nothing, and cc takes it for a GNU-style compiler (flags are ignored).
if $preprocess && [[ -z $out ]]; then
  exit 0
fi
if [[ -z $out ]]; then
  echo "fake-apple-cc.sh: no -o in: $args" >&2
  exit 1
fi
case $out in
  *.a) printf '!<arch>\n' >"$out" ;;
  *) : >"$out" ;;
esac
