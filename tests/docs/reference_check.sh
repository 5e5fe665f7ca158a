#!/bin/sh
# Fails, naming each one, when a public declaration of pprocess/include/pprocess/*.hpp has no
# entry in docs/reference.md. Usage: reference_check.sh INCLUDE_DIR REFERENCE_MD
#
# What counts as public: classes, structs, enums, free functions, constants and type aliases of
# namespace pprocess, and the public members of its classes (functions, data members, nested
# types); not namespace detail, not private or protected sections, not deleted functions.
# What counts as an entry: a top-level name needs a heading (###, ####) naming it in backticks
# under the `## HEADER.hpp` heading of its header; a member needs its name in code (a code
# block or a backtick span) in the section of its class under that header.
set -eu

include_dir=$1
reference=$2
[ -r "$reference" ] || { echo "reference_check: cannot read $reference" >&2; exit 2; }

declarations=$(mktemp)
trap 'rm -f "$declarations"' EXIT

for header in "$include_dir"/*.hpp; do
  awk -v header="$(basename "$header")" '
    # A scope is "top" (outside any namespace), "ns" (namespace pprocess), "class" (a class of
    # pprocess: its public members are listed) or "skip" (anything else: bodies, namespace
    # detail, enums, nested classes).
    function push(kind, name, access) {
      depth++; kind_[depth] = kind; name_[depth] = name; access_[depth] = access
    }
    function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
    # Removes leading "template <...>" headers (nested angle brackets included), attributes and
    # a requires-clause ending before the declaration.
    function bare(s,   i, c, level, changed) {
      s = trim(s)
      gsub(/\[\[[^\]]*\]\]/, "", s)
      s = trim(s)
      do {
        changed = 0
        if (s ~ /^template[ ]*</) {
          level = 0
          for (i = index(s, "<"); i <= length(s); i++) {
            c = substr(s, i, 1)
            if (c == "<") level++
            else if (c == ">") { level--; if (level == 0) break }
          }
          s = trim(substr(s, i + 1)); changed = 1
        }
        if (s ~ /^requires[ ]/) {
          # "requires Concept<T>" followed by the declaration
          sub(/^requires[ ]+[A-Za-z_:]+(<[^>]*>)?[ ]*/, "", s); changed = 1
        }
      } while (changed)
      return s
    }
    function emit(name) {
      if (name == "") return
      if (kind_[depth] == "ns") print header "\t\t" name
      else if (kind_[depth] == "class" && access_[depth] == "public")
        print header "\t" name_[depth] "\t" name
    }
    function last_identifier(s) {
      s = trim(s)
      if (match(s, /~?[A-Za-z_][A-Za-z_0-9]*$/) == 0) return ""
      # a qualified name (an out-of-class definition) is not a declaration of its own
      if (RSTART > 1 && substr(s, RSTART - 1, 1) == ":") return ""
      return substr(s, RSTART)
    }
    # The name a declaration declares, or "" for one that declares nothing to list.
    function declared(s,   paren, equals, rest, op) {
      s = bare(s)
      if (s == "" || s ~ /^(friend|static_assert|using namespace|public|private|protected)/) return ""
      if (s ~ /=[ ]*delete$/) return ""
      if (s ~ /^using[ ]+[A-Za-z_][A-Za-z_0-9]*[ ]*=/) {
        sub(/^using[ ]+/, "", s); sub(/[ ]*=.*/, "", s); return s
      }
      if (s ~ /^using[ ]/) return ""
      paren = index(s, "("); equals = index(s, "=")
      if (paren > 0 && (equals == 0 || paren < equals || s ~ /operator/)) {
        op = index(s, "operator")
        if (op > 0 && op < paren + 9) {
          if (op > 1 && substr(s, op - 1, 1) == ":") return ""
          rest = substr(s, op + 8)
          if (rest ~ /^[ ]*\(\)/) return "operator()"
          sub(/\(.*/, "", rest)
          return "operator" trim(rest)
        }
        return last_identifier(substr(s, 1, paren - 1))
      }
      if (equals > 0) s = substr(s, 1, equals - 1)
      return last_identifier(s)
    }
    # A "{" ends the text before it: a namespace, a class, an enum, a body or an initialiser.
    function open_brace(s,   b, name, outer) {
      b = bare(s)
      outer = kind_[depth]
      listed = (outer == "ns" || (outer == "class" && access_[depth] == "public"))
      if (b ~ /^namespace[ ]/) {
        name = b; sub(/^namespace[ ]+/, "", name); name = trim(name)
        push((name == "pprocess" && outer == "top") ? "ns" : "skip", name, "")
      } else if (b ~ /^(class|struct|union)[ ]/ && outer != "skip" && outer != "top") {
        name = b; sub(/^(class|struct|union)[ ]+/, "", name); sub(/[^A-Za-z_0-9].*/, "", name)
        if (listed) emit(name)
        if (outer == "ns") push("class", name, b ~ /^class/ ? "private" : "public")
        else push("skip", name, "")
      } else if (b ~ /^enum[ ]/ && outer != "skip" && outer != "top") {
        name = b; sub(/^enum[ ]+(class[ ]+|struct[ ]+)?/, "", name); sub(/[^A-Za-z_0-9].*/, "", name)
        if (listed) emit(name)
        push("skip", name, "")
      } else {
        if (listed) emit(declared(s))
        push("skip", "", "")
      }
    }
    BEGIN { depth = 0; kind_[0] = "top"; statement = ""; parens = 0 }
    {
      line = $0
      gsub(/"([^"\\]|\\.)*"/, "\"\"", line)
      gsub(/'\''([^'\''\\]|\\.)'\''/, "'\'''\''", line)
      sub(/\/\/.*/, "", line)
      line = trim(line)
      if (line ~ /^#/ || line == "") next
      if (kind_[depth] == "class" && line ~ /^(public|private|protected):$/) {
        access_[depth] = substr(line, 1, length(line) - 1); next
      }
      for (i = 1; i <= length(line); i++) {
        c = substr(line, i, 1)
        # braces inside parentheses are default arguments (`= {}`), not scopes
        if (c == "(") parens++
        else if (c == ")") parens--
        if (parens > 0) { statement = statement c; continue }
        if (c == "{") { open_brace(statement); statement = "" }
        else if (c == "}") { if (depth > 0) depth--; statement = "" }
        else if (c == ";") {
          if (kind_[depth] == "ns" || (kind_[depth] == "class" && access_[depth] == "public")) {
            b = bare(statement)
            if (b !~ /^(class|struct|union|enum)[ ]/) emit(declared(statement))
          }
          statement = ""
        } else statement = statement c
      }
      statement = statement " "
    }
  ' "$header" >>"$declarations"
done

if [ ! -s "$declarations" ]; then
  echo "reference_check: found no declaration in $include_dir" >&2
  exit 2
fi

sort -u "$declarations" | awk -F '\t' -v reference="$reference" '
  function is_word_char(c) { return c ~ /[A-Za-z_0-9]/ }
  # Whether `name` occurs in `text` as a whole name.
  function has_name(text, name,   start, at, before, after) {
    start = 1
    while ((at = index(substr(text, start), name)) > 0) {
      at += start - 1
      before = at > 1 ? substr(text, at - 1, 1) : ""
      after = substr(text, at + length(name), 1)
      if (!(name ~ /^[A-Za-z_~]/ && is_word_char(before)) &&
          !(name ~ /[A-Za-z_0-9]$/ && is_word_char(after)))
        return 1
      start = at + 1
    }
    return 0
  }
  # The text inside the backtick spans of a line.
  function spans(s,   out, n, parts, i) {
    n = split(s, parts, "`"); out = ""
    for (i = 2; i <= n; i += 2) out = out " " parts[i]
    return out
  }
  BEGIN {
    n = 0; fenced = 0
    while ((getline line < reference) > 0) {
      n++
      level[n] = 0
      if (line ~ /^```/) { fenced = !fenced; code[n] = ""; continue }
      if (fenced) { code[n] = line; continue }
      code[n] = spans(line)
      text[n] = line
      if (match(line, /^#+ /)) level[n] = RLENGTH - 1
    }
    close(reference)
  }
  # The line range [from, to) of the heading at line h: up to the next heading of its level or
  # above.
  function section_end(h,   i) {
    for (i = h + 1; i <= n; i++) if (level[i] > 0 && level[i] <= level[h]) return i
    return n + 1
  }
  function heading_naming(name, from, to,   i) {
    for (i = from; i < to; i++) if (level[i] >= 3 && has_name(code[i], name)) return i
    return 0
  }
  {
    file = $1; cls = $2; name = $3
    from = 0
    for (i = 1; i <= n; i++)
      if (level[i] == 2 && text[i] == "## " file) { from = i; break }
    qualified = "pprocess::" (cls == "" ? "" : cls "::") name
    if (from == 0) { print "docs/reference.md has no section for " file ", so no entry for " qualified; missing++; next }
    to = section_end(from)
    if (cls == "") {
      if (!heading_naming(name, from + 1, to)) {
        print "docs/reference.md has no entry for " qualified " (" file ")"; missing++
      }
      next
    }
    h = heading_naming(cls, from + 1, to)
    if (!h) { print "docs/reference.md has no entry for " qualified " (" file ")"; missing++; next }
    e = section_end(h); found = 0
    for (i = h; i < e && !found; i++) if (has_name(code[i], name)) found = 1
    if (!found) { print "docs/reference.md has no entry for " qualified " (" file ")"; missing++ }
  }
  END {
    if (missing) { print missing " public declaration(s) without an entry in docs/reference.md"; exit 1 }
  }
' 
