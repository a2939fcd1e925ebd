# Shared by scripts/dev.sh and scripts/test.sh (sourced, not run). Idempotent: every
# step checks first and does nothing when there is nothing to do.

# Debian packages the platform needs at run time: python3-venv to create .venv;
# Pango and HarfBuzz (subset) for WeasyPrint's PDFs; the CJK fonts so Chinese does not
# print as boxes; gettext to compile the English translation.
RUNTIME_PACKAGES=(python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
                  fonts-noto-cjk gettext)

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m错误 / error:\033[0m %s\n' "$*" >&2; exit 1; }

# Install the missing Debian packages as root; otherwise name them and stop.
require_debian_packages() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        say "不是 Debian 系统，跳过系统软件包检查 (no dpkg: not checking $*)"
        return
    fi
    local missing=() package
    for package in "$@"; do
        if [ "$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null)" != installed ]; then
            missing+=("$package")
        fi
    done
    if [ ${#missing[@]} -eq 0 ]; then
        return
    fi
    if [ "$(id -u)" -eq 0 ]; then
        say "安装系统软件包 (apt-get install): ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}"
    elif [ "${SCTJ_SKIP_SYSTEM_PACKAGES:-}" = 1 ]; then
        say "缺少系统软件包（已按 SCTJ_SKIP_SYSTEM_PACKAGES=1 跳过）: ${missing[*]}"
    else
        die "缺少 Debian 软件包 (missing Debian packages): ${missing[*]}
请以 root 身份运行本脚本，或先执行 (run as root, or first run):
    sudo apt-get install ${missing[*]}
（设置 SCTJ_SKIP_SYSTEM_PACKAGES=1 可跳过此检查 / set it to skip this check）"
    fi
}

# .venv with the project installed; pip runs only when pyproject.toml changed.
# $1: the optional-dependency group to include ("" or "dev").
require_virtualenv() {
    local extra="${1:-}" python="${PYTHON:-python3}"
    if [ ! -x .venv/bin/pip ]; then  # absent, or left half-made by a failed venv
        command -v "$python" >/dev/null || die "找不到 $python（需要 Python 3.11 或更新）"
        "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
            || die "需要 Python 3.11 或更新 (Python >= 3.11 needed): $("$python" --version)"
        say "创建虚拟环境 .venv ($("$python" --version))"
        "$python" -m venv .venv || die "python3 -m venv 失败：请安装 python3-venv"
    fi
    local stamp=.venv/.sctj-installed digest
    digest="$(sha256sum pyproject.toml | cut -d' ' -f1)"
    # A "dev" install also satisfies a plain one.
    if grep -qx "$digest $extra" "$stamp" 2>/dev/null \
        || { [ -z "$extra" ] && grep -q "^$digest " "$stamp" 2>/dev/null; }; then
        return
    fi
    local spec="."
    if [ -n "$extra" ]; then
        spec=".[$extra]"
    fi
    say "安装 Python 依赖 (pip install -e '$spec')"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec"
    echo "$digest $extra" > "$stamp"
}

# Compile locale/*/LC_MESSAGES/*.po into .mo when a .po is newer than its .mo.
compile_translations() {
    local po stale=0
    for po in locale/*/LC_MESSAGES/*.po; do
        if [ -e "$po" ] && [ "$po" -nt "${po%.po}.mo" ]; then
            stale=1
        fi
    done
    if [ "$stale" -eq 0 ]; then
        return
    fi
    if ! command -v msgfmt >/dev/null; then
        say "未安装 gettext，跳过翻译编译 (no msgfmt: translations not compiled)"
        return
    fi
    say "编译翻译 (compilemessages)"
    .venv/bin/python manage.py compilemessages --ignore=.venv --verbosity 0
}
