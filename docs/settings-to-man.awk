# Turns docs/settings.md into the pushguard-config(5) man page (generate-docs.sh runs it):
# headings become sections, each table row a tagged paragraph, code blocks stay as they are.
# Only the Markdown that page uses is understood; awk, so a git server needs nothing more.
function roff(text) {
    gsub(/\\/, "\\e", text)
    gsub(/`/, "", text)
    gsub(/\*\*/, "", text)
    sub(/^[.']/, "\\\\\\&&", text)
    return text
}
BEGIN { print ".TH PUSHGUARD-CONFIG 5 \"\" \"PushGuard\" \"PushGuard Manual\"" }
/^```/ { code = !code; print (code ? ".nf" : ".fi"); next }
code { line = $0; gsub(/\\/, "\\e", line); sub(/^[.']/, "\\\\\\&&", line); print line; next }
/^# / { print ".SH NAME"; print "pushguard-config \\- PushGuard's settings in git config"; next }
/^## / { print ".SH " toupper(roff(substr($0, 4))); next }
/^\|[-| ]+\|$/ { next }
/^\| setting \|/ { next }
/^\| / {
    n = split($0, cells, " \\| ")
    name = cells[1]; sub(/^\| /, "", name)
    description = cells[3]; sub(/ \|$/, "", description)
    print ".TP"; print "\\fB" roff(name) "\\fR"
    print roff(cells[2]) ": " roff(description)
    next
}
/^$/ { print ".PP"; next }
{ print roff($0) }
