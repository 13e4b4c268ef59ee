#!/usr/bin/env python3
"""Fails when the modules of a crate import each other in a circle.

Reads each crate's `src/` as text (no compiler): every `crate::a::b`, `super::x` and `self::x`
path outside `#[cfg(test)]` items and comments is an edge from the module whose file holds it to
the module it names. Names a module imports (`use`, `pub use`) are followed, so `crate::Name`
re-exported by lib.rs, or `super::Name` imported by a parent, count as edges to the module that
defines them. Items defined in the crate root (lib.rs) are shared vocabulary and count as nobody's.

Cycles are looked for among the children of every module: the top-level modules of a crate, then
the submodules of each folder module. A test's own imports are not dependencies of the library,
so test code is left out.

Usage:
  check_module_cycles.py CRATE_SRC_DIR...   exit 1 and list every cycle found
  check_module_cycles.py --self-test        shows the check fails on a cycle and passes without
"""

import os
import re
import sys
import tempfile

Path = tuple  # a module path: ("membership", "swim")


def strip_comments(text):
    """Removes // and /* */ comments and the contents of string literals, keeping line breaks."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    if text[i] == "\n":
                        out.append("\n")
                    i += 1
        elif text[i] == '"' or text.startswith('r"', i) or text.startswith("r#", i):
            # A string literal (raw or not): keep its line breaks, drop its text.
            m = re.match(r'r(#*)"', text[i:])
            if m:
                end = text.find('"' + m.group(1), i + len(m.group(0)))
                end = n if end < 0 else end + 1 + len(m.group(1))
            else:
                end = i + 1
                while end < n and text[end] != '"':
                    end += 2 if text[end] == "\\" else 1
                end += 1
            out.append('""' + "\n" * text.count("\n", i, end))
            i = end
        elif text[i] == "'" and re.match(r"'(\\.|[^\\'])'", text[i:]):
            # A char literal such as '{' must not count as a brace.
            m = re.match(r"'(\\.|[^\\'])'", text[i:])
            out.append("' '")
            i += len(m.group(0))
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def strip_test_items(text):
    """Removes every item marked #[cfg(test)] (a `mod tests { .. }`, a test helper, a `mod x;`)."""
    while True:
        m = re.search(r"#\[cfg\(test\)\]", text)
        if not m:
            return text
        i = m.end()
        # The item ends at its first `;` before any `{`, or at the brace closing its first `{`.
        brace, semi = text.find("{", i), text.find(";", i)
        if semi >= 0 and (brace < 0 or semi < brace):
            text = text[: m.start()] + text[semi + 1 :]
            continue
        depth, j = 0, brace
        while j < len(text):
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        text = text[: m.start()] + "\n" * text.count("\n", m.start(), j) + text[j + 1 :]


def module_files(src):
    """Maps each module path of the crate at `src` to its file; the root is ()."""
    files = {}
    for dirpath, _, names in os.walk(src):
        rel = os.path.relpath(dirpath, src)
        parts = () if rel == "." else tuple(rel.split(os.sep))
        for name in names:
            if not name.endswith(".rs"):
                continue
            stem = name[:-3]
            if parts == () and stem in ("lib", "main"):
                path = ()
            elif stem == "mod":
                path = parts
            elif parts and parts[0] == "bin":
                continue  # binaries are crates of their own
            else:
                path = parts + (stem,)
            files[path] = os.path.join(dirpath, name)
    return files


def expand_use_tree(tree):
    """`a::{b, c::{d, e as f}}` -> [["a","b"], ["a","c","d"], ["a","c","e"]] (aliases dropped)."""
    tree = tree.strip()
    m = re.match(r"^(.*?)\{(.*)\}$", tree, re.S)
    if not m:
        tree = re.sub(r"\s+as\s+\w+$", "", tree)
        return [[p for p in tree.split("::") if p]]
    prefix = [p for p in m.group(1).split("::") if p]
    inner, depth, cur, parts = m.group(2), 0, "", []
    for ch in inner:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    result = []
    for part in parts:
        if part.strip():
            for sub in expand_use_tree(part):
                result.append(prefix + sub)
    return result


class Crate:
    def __init__(self, src):
        self.src = src
        self.files = module_files(src)
        self.modules = set(self.files)
        self.text = {}
        for path, file in self.files.items():
            with open(file, encoding="utf-8") as f:
                self.text[path] = strip_test_items(strip_comments(f.read()))
        # Names each module brings into scope with `use`: name -> absolute path segments.
        self.imports = {path: {} for path in self.files}
        for path, text in self.text.items():
            for m in re.finditer(r"\buse\s+([^;]+);", text):
                for segs in expand_use_tree(m.group(1)):
                    if not segs or segs[-1] in ("self", "*"):
                        continue
                    absolute = self.absolute(path, segs)
                    if absolute is not None:
                        self.imports[path][segs[-1]] = absolute

    def absolute(self, here, segs):
        """Resolves `crate::`, `super::` and `self::` paths to segments from the root."""
        if not segs:
            return None
        if segs[0] == "crate":
            return list(segs[1:])
        if segs[0] in ("super", "self"):
            base = list(here)
            while segs and segs[0] in ("super", "self"):
                if segs[0] == "super":
                    if not base:
                        return None
                    base.pop()
                segs = segs[1:]
            return base + list(segs)
        if len(segs) > 1 and tuple(here) + (segs[0],) in self.modules:
            return list(here) + list(segs)  # a child module named without `self::`
        return None  # an external crate or a prelude name

    def owner(self, segs, seen=None):
        """The module that defines what `segs` (absolute) names, following imports."""
        seen = seen or set()
        key = tuple(segs)
        if key in seen:
            return None
        seen.add(key)
        # The longest prefix of segs that is a module.
        module = ()
        for i in range(len(segs), 0, -1):
            if tuple(segs[:i]) in self.modules:
                module = tuple(segs[:i])
                break
        rest = segs[len(module) :]
        if rest and rest[0] in self.imports.get(module, {}):
            target = self.imports[module][rest[0]] + rest[1:]
            followed = self.owner(target, seen)
            if followed is not None:
                return followed
        return module

    def edges(self):
        """(from module, to module) for every path in the code, imports included."""
        found = set()
        pattern = re.compile(r"\b(crate|super|self)((?:\s*::\s*\w+)+)")
        for path, text in self.text.items():
            for m in pattern.finditer(text):
                segs = [m.group(1)] + [s.strip() for s in m.group(2).split("::") if s.strip()]
                absolute = self.absolute(path, segs)
                if absolute is not None:
                    target = self.owner(absolute)
                    if target is not None and target != path:
                        found.add((path, target))
            for m in re.finditer(r"\buse\s+(crate|super|self)\s*::\s*\{([^;]+)\};", text):
                for segs in expand_use_tree(m.group(1) + "::{" + m.group(2) + "}"):
                    absolute = self.absolute(path, segs)
                    if absolute is not None:
                        target = self.owner(absolute)
                        if target is not None and target != path:
                            found.add((path, target))
        return found


def cycles(nodes, edges):
    """Strongly connected components of more than one node (Tarjan), each sorted."""
    graph = {n: sorted({b for a, b in edges if a == n}) for n in nodes}
    index, low, stack, on_stack, result, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for n in sorted(nodes):
        if n not in index:
            visit(n)
    return result


def check(src):
    """Every cycle among the children of each module of the crate at `src`, as text."""
    crate = Crate(src)
    edges = crate.edges()
    problems = []
    for parent in sorted(crate.modules):
        children = {m for m in crate.modules if len(m) == len(parent) + 1 and m[: len(parent)] == parent}
        if len(children) < 2:
            continue
        level = set()
        for a, b in edges:
            if len(a) > len(parent) and len(b) > len(parent) and a[: len(parent)] == parent == b[: len(parent)]:
                ca, cb = a[: len(parent) + 1], b[: len(parent) + 1]
                if ca != cb:
                    level.add((ca, cb))
        for component in cycles(children, level):
            names = ["::".join(c) for c in component]
            why = [
                f"{'::'.join(a)} -> {'::'.join(b)}"
                for a, b in sorted(edges)
                if a[: len(parent) + 1] in component and b[: len(parent) + 1] in component
                and a[: len(parent) + 1] != b[: len(parent) + 1]
            ]
            problems.append(f"{src}: cycle among {', '.join(names)} ({'; '.join(why)})")
    return problems, len(crate.modules), len(edges)


def self_test():
    """A crate whose modules form a cycle through a re-export fails; the same without passes."""
    with tempfile.TemporaryDirectory() as root:
        src = os.path.join(root, "src")
        os.makedirs(os.path.join(src, "a"))
        files = {
            "lib.rs": "pub mod a;\npub mod b;\npub use b::Thing;\n",
            "a/mod.rs": "mod inner;\nmod outer;\n",
            "a/inner.rs": "use super::outer::X;\n#[cfg(test)]\nmod tests { use crate::b::Y; }\n",
            "a/outer.rs": "pub struct X;\n// use super::inner::Z; (a comment is no edge)\n",
            "b.rs": "pub struct Thing; pub struct Y;\nfn f() { let s = \"crate::a::inner\"; }\n",
        }
        for name, body in files.items():
            with open(os.path.join(src, name), "w") as f:
                f.write(body)
        problems, _, _ = check(src)
        assert problems == [], f"no cycle expected, got {problems}"
        # b -> a (through a path in code), a -> b (through the root's re-export): a cycle.
        with open(os.path.join(src, "b.rs"), "a") as f:
            f.write("fn g() -> crate::a::Q { todo() }\n")
        with open(os.path.join(src, "a/outer.rs"), "a") as f:
            f.write("use crate::Thing;\n")
        problems, _, _ = check(src)
        assert len(problems) == 1 and "cycle among a, b" in problems[0], problems
        # Inside a folder module: inner -> outer already; outer -> inner closes a cycle.
        with open(os.path.join(src, "a/outer.rs"), "a") as f:
            f.write("fn h() { super::inner::go(); }\n")
        problems, _, _ = check(src)
        assert any("cycle among a::inner, a::outer" in p for p in problems), problems
    print("module cycle check: self-test passed (a cycle is reported, none is invented)")


def main(args):
    if args == ["--self-test"]:
        self_test()
        return 0
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    failed = False
    for src in args:
        problems, modules, edges = check(src)
        for problem in problems:
            print(problem)
        failed |= bool(problems)
        print(f"{src}: {modules} modules, {edges} module-to-module references, "
              f"{'CYCLES' if problems else 'no cycles'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
