#!/usr/bin/env python3
"""Check that each topic's cover letter describes the patches it has.

For every topic of kernel-patches/series (QUEUE= another queue):
- the shortlog that `git format-patch` writes counts as many patches as the
  topic has files;
- a numbered patch list in the letter's text ("  4. bpf: ...", "  4    bpf:
  ...", ranges "8-10. tools: ...") runs from 1 to the number of patches,
  in order, and an item that names a subsystem ("bpf:", "mm: memcontrol:")
  names the one its patch's subject starts with;
- "patch N", "patches N-M" and "patches N and M" in the text name patches
  that exist;
- a letter that quotes a measured figure (a time, a ratio such as "4.5x",
  a count of instructions or a rate) names the docs/results/*.md page
  that keeps it with its command, and that page exists.
Prints one line per problem and exits 1 if there is any.
"""
import os
import re
import sys

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
queue = os.environ.get("QUEUE") or os.path.join(top, "kernel-patches")

ITEM = re.compile(r"^ {1,3}(\d+)(?:-(\d+))?(?:\.\s+|\s{2,})([A-Za-z].*)$")
SHORTLOG = re.compile(r"^\S.* \((\d+)\):$")
REF = re.compile(r"\b[Pp]atch(?:es)? (\d+)(?:(?:-| and )(\d+))?")
FIGURE = re.compile(r"\b\d[\d,.]*(?:\s?(?:ms|us|ns)\b|x\b| instructions\b| inst/s\b| per s\b)")
RESULTS = re.compile(r"docs/results/[\w.-]+\.md")


def topics():
    with open(os.path.join(queue, "series")) as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if line:
                yield line[0]


def subject(path):
    """The patch's subject, without its [PATCH ...] prefix, unfolded."""
    subj, on = "", False
    with open(path) as f:
        for line in f:
            if line == "\n":
                break
            if line.startswith("Subject: "):
                subj, on = line[9:].rstrip("\n"), True
            elif on and line[:1] in " \t":
                subj += " " + line.strip()
            else:
                on = False
    return re.sub(r"^\[[^]]*\]\s*", "", subj)


def body(path):
    """The letter's text: after the headers, up to the shortlog."""
    lines, hdr = [], True
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if hdr:
                hdr = line != ""
                continue
            lines.append(line)
    return lines


def check(topic):
    problems = []
    d = os.path.join(queue, topic)
    patches = sorted(p for p in os.listdir(d)
                     if re.match(r"\d{4}-.*\.patch$", p) and not p.startswith("0000-"))
    n = len(patches)
    subjects = [subject(os.path.join(d, p)) for p in patches]
    cover = os.path.join(d, "0000-cover-letter.patch")
    if not os.path.exists(cover):
        return ["%s: no 0000-cover-letter.patch" % topic]
    text, shortlog = [], 0
    for line in body(cover):
        m = SHORTLOG.match(line)
        if m:
            shortlog += int(m.group(1))
        elif not shortlog:
            text.append(line)
    if shortlog != n:
        problems.append("%s: the shortlog counts %d patches, the topic has %d"
                        % (topic, shortlog, n))
    expect = 1
    for line in text:
        m = ITEM.match(line)
        if not m:
            continue
        first = int(m.group(1))
        last = int(m.group(2) or first)
        if first != expect or last < first:
            problems.append("%s: patch list item %s comes where %d was due: %r"
                            % (topic, m.group(1) + ("-" + m.group(2) if m.group(2) else ""),
                               expect, line.strip()))
            return problems
        expect = last + 1
        words = m.group(3)
        if ": " in words and first <= n:
            prefix = words.split(": ", 1)[0]
            if " " not in prefix.replace(", ", ",") and not subjects[first - 1].startswith(prefix):
                problems.append("%s: patch list item %d says %r, patch %d is %r"
                                % (topic, first, prefix, first, subjects[first - 1]))
    if expect != 1 and expect - 1 != n:
        problems.append("%s: the patch list ends at %d, the topic has %d patches"
                        % (topic, expect - 1, n))
    figures = [line.strip() for line in text if FIGURE.search(line)]
    pages = set(RESULTS.findall("\n".join(text)))
    if figures and not pages:
        problems.append("%s: quotes figures (%r) but names no docs/results page"
                        % (topic, figures[0]))
    for page in sorted(pages):
        if not os.path.exists(os.path.join(top, page)):
            problems.append("%s: names %s, which does not exist" % (topic, page))
    for line in text:
        for m in REF.finditer(line):
            for g in m.groups():
                if g and not 1 <= int(g) <= n:
                    problems.append("%s: %r names patch %s, the topic has %d"
                                    % (topic, line.strip(), g, n))
    return problems


def main():
    problems = [p for t in topics() for p in check(t)]
    for p in problems:
        print("FAIL cover letter " + p)
    print("cover letters: %d topics, %d problems" % (len(list(topics())), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
