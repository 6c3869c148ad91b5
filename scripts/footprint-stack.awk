# Worst-case stack depth of a linked Cortex-M program's call tree (scripts/footprint.sh).
#
# Input: a stream of sections, each opened by a marker line
#   #CI                one .ci file (gcc -fcallgraph-info=su): frame sizes and call edges
#   #OBJ <title>       `objdump -t -r` of one object compiled from source <title> (the .ci title)
#   #ELF               `objdump -d` of the linked program
# Functions without a .ci node (libc, libgcc, crt) get their frame from the disassembly:
# push/stmdb/vpush register count plus "sub sp" in the first instructions, and their calls
# from bl/b.w; those functions are assembly leaves or near leaves in newlib-nano and libgcc.
#
# Indirect calls (gcc's __indirect_call placeholder: the PAL ops, the operation tables, the
# engine callbacks) are resolved by the member called: the call site's source text (line and
# column from the .ci edge) gives the member (d->seq.ops->build(...) -> build; a plain pointer
# variable counts as a member of that name), and the call may
# reach every linked function whose address is taken (a relocation other than a call or jump
# names it, in code or data) and whose name implements that member by the project's convention
# <prefix>_<member>[_cb] ("on_" dropped: sym_error implements on_error). The deepest candidate
# is charged. A member no linked function implements may reach only the address-taken functions
# that implement no called member (none: the pointer is NULL in this program); a call site whose
# member cannot be read may reach every address-taken function. A call cycle is cut where it
# closes and counted in the output.
# Output: the worst path, one function per line, notes, then "TOTAL <bytes> <cuts> <address-taken>".
# -v root=<function> (default main)

function field(key,    s) {
    if (!match($0, key ": \"[^\"]*\""))
        return ""
    s = substr($0, RSTART, RLENGTH)
    sub("^" key ": \"", "", s)
    sub("\"$", "", s)
    return s
}

function plain(k) {
    sub(/^.*:/, "", k)
    return k
}

function add_edge(s, d) {
    if ((s SUBSEP d) in seen)
        return
    seen[s, d] = 1
    nedge[s]++
    edge[s, nedge[s]] = d
}

# The member called at "path:line:col": the first "->name(" or ".name(" from col on, else the
# last identifier before the first "(" (a plain pointer variable).
function member_at(where,    n, w, path, line, i, text, p) {
    n = split(where, w, ":")
    if (n < 3)
        return ""
    path = w[1]
    for (i = 2; i <= n - 2; i++)
        path = path ":" w[i]
    line = w[n - 1] + 0
    if (!(path in nlines)) {
        nlines[path] = 0
        while ((getline text < path) > 0)
            src[path, ++nlines[path]] = text
        close(path)
    }
    if (line < 1 || line > nlines[path])
        return ""
    text = substr(src[path, line], w[n] + 0)
    if (match(text, /(->|\.)[ \t]*[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/)) {
        text = substr(text, RSTART, RLENGTH)
        gsub(/[^A-Za-z0-9_]/, "", text)
        return text
    }
    p = index(text, "(")
    if (p <= 1)
        return ""
    text = substr(text, 1, p - 1)
    sub(/[ \t]+$/, "", text)
    return match(text, /[A-Za-z_][A-Za-z0-9_]*$/) ? substr(text, RSTART) : ""
}

function implements(f, m,    g) {
    f = plain(f)
    sub(/_cb$/, "", f)
    g = m
    sub(/^on_/, "", g)
    return f == m || f == g || substr(f, length(f) - length(m)) == "_" m || substr(f, length(f) - length(g)) == "_" g
}

BEGIN { if (root == "") root = "main" }

/^#CI$/ { mode = "ci"; next }
/^#OBJ / { mode = "obj"; title = substr($0, 6); split("", islocal); next }
/^#ELF$/ { mode = "elf"; fn = ""; next }

mode == "ci" && /^node:/ {
    t = field("title")
    l = field("label")
    if (match(l, /[0-9]+ bytes \([a-z,]+\)/)) {
        split(substr(l, RSTART, RLENGTH), a, " ")
        frame[t] = a[1] + 0
        kind[t] = a[3]
        known[t] = 1
        name[t] = plain(t)
        if (t ~ /:/)
            cilocal[plain(t)] = 1
    }
    next
}
mode == "ci" && /^edge:/ {
    d = field("targetname")
    if (d == "__indirect_call") {
        d = "@" member_at(field("label"))
        called[substr(d, 2)] = 1
    }
    add_edge(field("sourcename"), d)
    next
}

mode == "obj" && $3 == "F" && ($2 == "l" || $2 == "g") {
    if ($2 == "l")
        islocal[$NF] = 1
    next
}
mode == "obj" && /^RELOCATION RECORDS FOR \[/ {
    relsec = $4
    gsub(/[\[\]:]/, "", relsec)
    next
}
mode == "obj" && $2 ~ /^R_ARM_/ {
    if (relsec !~ /^\.(text|rodata|data)/)
        next
    if ($2 ~ /^R_ARM_(THM_CALL|THM_JUMP[0-9]+|CALL|JUMP24|THM_PC[0-9]+|V4BX|NONE)$/)
        next
    s = $3
    if (s ~ /^\.text\./) {
        if (s == relsec || s ~ /[+-]0x/)
            next # an address inside a function (its own jump table), not a function's
        s = substr(s, 7)
    }
    sub(/[+-]0x[0-9a-f]+$/, "", s)
    if (s in islocal)
        taken[title ":" s] = 1
    else
        taken[s] = 1
    next
}

mode == "elf" && /^[0-9a-f]+ <[^>]+>:$/ {
    fn = $2
    gsub(/[<>:]/, "", fn)
    linked[fn] = 1
    elffn = fn
    ninsn = 0
    asmfn = !(fn in known) && !(fn in cilocal)
    if (asmfn) {
        known[fn] = 1
        frame[fn] = 0
        kind[fn] = "disassembly"
        name[fn] = fn
    }
    next
}
# Every function's calls by kind: bl (the callee runs on top of the caller's frame) or a plain
# branch to another function's start (a tail call: the caller released its frame first).
mode == "elf" && elffn != "" && /^ +[0-9a-f]+:\t/ && match($0, /\t(bl|blx|b|b[a-z][a-z])(\.w|\.n)?\t[0-9a-f]+ <[^>+]+>/) {
    t = substr($0, RSTART + 1, RLENGTH - 1)
    split(t, tc, "\t")
    d = tc[2]
    sub(/^[0-9a-f]+ </, "", d)
    sub(/>$/, "", d)
    if (d != elffn) {
        if (tc[1] ~ /^bl/)
            viabl[elffn, d] = 1
        else
            viab[elffn, d] = 1
    }
}
mode == "elf" && asmfn && /^ +[0-9a-f]+:\t/ {
    n = split($0, col, "\t")
    op = col[3]
    args = n >= 4 ? col[4] : ""
    ninsn++
    if (ninsn <= 8 && (op ~ /^push/ || (op ~ /^stmdb/ && args ~ /^sp!/) || op ~ /^vpush/)) {
        regs = args
        sub(/^[^{]*\{/, "", regs)
        sub(/\}.*$/, "", regs)
        cnt = 0
        m = split(regs, r, ",")
        for (i = 1; i <= m; i++) {
            gsub(/ /, "", r[i])
            if (match(r[i], /^[a-z]+[0-9]+-[a-z]+[0-9]+$/)) {
                split(r[i], rr, "-")
                lo = rr[1]; hi = rr[2]
                gsub(/[a-z]/, "", lo); gsub(/[a-z]/, "", hi)
                cnt += hi - lo + 1
            } else
                cnt++
        }
        frame[fn] += cnt * (op ~ /^vpush/ && regs ~ /d/ ? 8 : 4)
    } else if (ninsn <= 8 && op ~ /^sub/ && args ~ /^sp, (sp, )?#[0-9]+/) {
        v = args
        sub(/^.*#/, "", v)
        frame[fn] += v + 0
    }
    if ((op ~ /^bl/ || op ~ /^b\.w/) && match(args, /<[^>+]+>/)) {
        d = substr(args, RSTART + 1, RLENGTH - 2)
        if (d != fn)
            add_edge(fn, d)
    }
    next
}

function is_linked(k) { return plain(k) in linked }

# The edge k -> c is a tail call when the linked code of k only branches to c, never calls it
# with bl (then c runs on k's caller's frame: k's frame is not added).
function tailcall(k, c) {
    k = plain(k)
    c = plain(c)
    return ((k SUBSEP c) in viab) && !((k SUBSEP c) in viabl)
}

function orphan(f,    m) {
    for (m in called)
        if (m != "" && implements(f, m))
            return 0
    return 1
}

function depth(k,    best, bc, i, c, d, self, m, pass) {
    if (k in memo)
        return memo[k]
    if (!(k in known) && (plain(k) in known))
        return depth(plain(k)) # in the program but without a .ci node (e.g. folded by ICF)
    if (k in onpath) {
        cuts++
        return 0
    }
    onpath[k] = 1
    best = 0
    bc = ""
    if (k ~ /^@/) {
        self = 0
        m = substr(k, 2)
        for (pass = 1; pass <= 2 && bc == ""; pass++)
            for (c in taken)
                if ((c in known) && is_linked(c) && (m == "" || (pass == 1 ? implements(c, m) : orphan(c)))) {
                    d = depth(c)
                    if (d > best || bc == "") { best = d; bc = c }
                }
    } else {
        if (!(k in known))
            unknown[k] = 1
        self = frame[k] + 0
        best = self
        for (i = 1; i <= nedge[k]; i++) {
            c = edge[k, i]
            d = depth(c) + (tailcall(k, c) ? 0 : self)
            if (d > best || bc == "") { best = d; bc = c }
        }
        tail[k] = bc != "" && tailcall(k, bc)
        delete onpath[k]
        memo[k] = best
        nxt[k] = bc
        return memo[k]
    }
    delete onpath[k]
    memo[k] = self + best
    nxt[k] = bc
    return memo[k]
}

END {
    total = depth(root)
    for (k = root; k != ""; k = nxt[k]) {
        if (k ~ /^@/)
            printf "  %-40s %6s  %s\n", "(indirect ->" substr(k, 2) ")", "", "deepest function implementing it:"
        else
            printf "  %-40s %6d B%s%s\n", (k in name ? name[k] : k), frame[k],
                   (k in known ? (kind[k] == "disassembly" ? " (from the disassembly)" : "") : " (no frame data)"),
                   (tail[k] ? " (released: tail call to the next)" : "")
    }
    for (k in kind)
        if (kind[k] ~ /dynamic/ && is_linked(k))
            printf "  note: %s has a dynamic frame (%s)\n", name[k], kind[k]
    for (k in unknown)
        if (is_linked(k))
            printf "  note: no frame data for %s (counted as 0)\n", plain(k)
    cand = 0
    for (c in taken)
        if ((c in known) && is_linked(c)) {
            cand++
            if (orphan(c))
                printf "  note: %s is address-taken but implements no member called indirectly\n", plain(c)
        }
    print "  members called indirectly (linked functions implementing each):"
    line = "   "
    for (m in called) {
        n = 0
        for (c in taken)
            if ((c in known) && is_linked(c) && m != "" && implements(c, m))
                n++
        item = sprintf(" %s %d", m == "" ? "?" : m, n)
        if (length(line) + length(item) > 96) {
            print line
            line = "   "
        }
        line = line item
    }
    print line
    for (m in called)
        if (m == "")
            printf "  note: an indirect call site whose member could not be read (charged the deepest of all)\n"
    printf "TOTAL %d %d %d\n", total, cuts, cand
}
