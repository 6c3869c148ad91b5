# Flash and static RAM of a linked program from its GNU ld map file (scripts/footprint.sh).
# Objects from the library archives (lib trustm*.a: libtrustm = api, libtrustm_<layer>) are the
# library's share, per layer; prog= and board= name the program's own objects; everything else
# (crt, libc, libgcc) is the toolchain's. Flash = text + rodata + initialised data (+ other
# allocated read-only sections); static RAM = data + bss.
# Output lines for the caller:
#   SEC <group> <class> <bytes>       class: text rodata data bss other
#   FUNC <bytes> <name>               one library function (its .text.<name> section)
#   PULLED <bytes> <member>           toolchain member first pulled in by a library object
#   HEAP <bytes> <member> <why>       a heap member (malloc, _sbrk...) linked, and who pulled it
# -v prog=<object basename> -v board=<object basename>

function group(f,    g) {
    if (match(f, /lib(trustm[A-Za-z0-9_]*)\.a\(/)) {
        g = substr(f, RSTART + 3, RLENGTH - 6)
        return g == "trustm" ? "api" : substr(g, 8)
    }
    g = f
    sub(/^.*\//, "", g)
    if (g == prog)
        return "program"
    if (g == board)
        return "board"
    return "toolchain"
}

function account(sec, size, f,    cls, g, n) {
    size = strtonum_hex(size)
    if (size == 0 || out ~ /^\.(debug|comment|ARM\.attributes|stab|gnu\.attributes)/)
        return
    if (sec ~ /^\.text/)
        cls = "text"
    else if (sec ~ /^\.rodata/)
        cls = "rodata"
    else if (sec ~ /^\.(bss|tbss)/ || sec == "COMMON" || out ~ /^\.(bss|noinit)/)
        cls = "bss"
    else if (sec ~ /^\.(data|tdata)/ || out ~ /^\.data/)
        cls = "data"
    else
        cls = "other"
    g = group(f)
    bytes[g, cls] += size
    groups[g] = 1
    member[f] += size
    if (cls == "text" && g != "program" && g != "board" && g != "toolchain" && sec ~ /^\.text\./) {
        n = substr(sec, 7)
        fsize[n] += size
    }
}

function strtonum_hex(s,    i, c, v) {
    v = 0
    s = tolower(s)
    sub(/^0x/, "", s)
    for (i = 1; i <= length(s); i++) {
        c = index("0123456789abcdef", substr(s, i, 1))
        v = v * 16 + c - 1
    }
    return v
}

/^Archive member included/ { part = "archive"; next }
/^Linker script and memory map/ { part = "map"; next }
/^(Discarded input sections|Memory Configuration)/ { part = "skip"; next }

part == "archive" && /^[^ ]/ { last = $1; next }
part == "archive" && /^ +[^ ]/ && last != "" {
    by[last] = $1
    why[last] = $0
    sub(/^ +/, "", why[last])
    order[++nmem] = last
    last = ""
    next
}

part == "map" && /^[^ *]/ { out = $1; pending = ""; next }
part == "map" && pending != "" && NF >= 3 && $1 ~ /^0x/ && $2 ~ /^0x/ {
    account(pending, $2, $3)
    pending = ""
    next
}
part == "map" && /^ [.A-Z]/ && $1 !~ /^\*/ {
    if (NF == 1)
        pending = $1
    else if (NF >= 4 && $2 ~ /^0x/ && $3 ~ /^0x/)
        account($1, $3, $4)
    next
}

END {
    for (k in bytes) {
        split(k, p, SUBSEP)
        printf "SEC %s %s %d\n", p[1], p[2], bytes[k]
    }
    for (n in fsize)
        printf "FUNC %d %s\n", fsize[n], n
    # toolchain members pulled in (first) by a library object, directly or through another such member
    for (changed = 1; changed;) {
        changed = 0
        for (i = 1; i <= nmem; i++) {
            m = order[i]
            if (!(m in forlib) && (group(by[m]) !~ /^(program|board|toolchain)$/ || (by[m] in forlib))) {
                forlib[m] = 1
                changed = 1
            }
        }
    }
    for (m in forlib)
        if (member[m] > 0 && group(m) == "toolchain")
            printf "PULLED %d %s\n", member[m], m
    for (i = 1; i <= nmem; i++) {
        m = order[i]
        if (m ~ /(malloc|sbrk|free|realloc|calloc)[^\/]*\)$/ && member[m] > 0)
            printf "HEAP %d %s %s\n", member[m], m, why[m]
    }
}
