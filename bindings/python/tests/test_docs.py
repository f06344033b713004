"""The examples in README.md and docs/*.md work as written.

Python: each document's ```python blocks run in order, in one namespace per document, with a fresh
empty temporary directory as the working directory (so ``sqlite:data/app.db`` lands there). Every
block is one test, named ``<document>:<line of its fence>``; a block needs the blocks before it,
so running one alone runs its predecessors first.

A trailing comment that starts with a Python literal states the value of the expression (or of
the assignment) that ends on its line, and is checked: ``access.check(...)  # True``,
``b.recount(id)  # (1, 0)``, ``s.set(...)  # -> 1``. An ``...`` inside a string literal stands
for any text (``# 'f1~...', the hash``). Comments that do not start with a literal are prose.

C and C++: each ```c and ```cpp block compiles (syntax and types, no linking) after the includes
the docs tell readers to use, inside ``main()`` unless it defines its own functions.

A block that cannot work standalone (it needs a running server, the network, or is deliberately a
fragment of a larger program) carries the marker ``<!-- not-run: <reason> -->`` on the line before
its fence; its test is skipped with that reason (list them with ``pytest -rs``).
"""

import ast
import gc
import io
import os
import pathlib
import re
import shutil
import subprocess
import tokenize

import pytest

import cairn

ROOT = pathlib.Path(__file__).resolve().parents[3]
DOCUMENTS = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))

FENCE = re.compile(r"^```\s*([\w+-]*)\s*$")
NOT_RUN = re.compile(r"^\s*<!--\s*not-run:(.*?)-->\s*$")
NOT_RUN_LOOSE = re.compile(r"^\s*<!--.*not-run", re.IGNORECASE)


class Block:
    def __init__(self, doc, line, language, source, not_run):
        self.doc = doc              # path relative to ROOT
        self.line = line            # 1-based line of the opening fence
        self.language = language
        self.source = source
        self.not_run = not_run      # the reason, or None

    @property
    def name(self):
        return f"{self.doc}:{self.line}"


def parse(path):
    """The fenced blocks of one Markdown file, with their not-run markers."""
    doc = path.relative_to(ROOT).as_posix()
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, language = i, m.group(1)
        i += 1
        body = []
        while i < len(lines) and not FENCE.match(lines[i]):
            body.append(lines[i])
            i += 1
        marker = NOT_RUN.match(lines[start - 1]) if start > 0 else None
        blocks.append(Block(doc, start + 1, language, "\n".join(body) + "\n",
                            marker.group(1).strip() if marker else None))
        i += 1  # the closing fence
    return blocks


BLOCKS = [b for path in DOCUMENTS for b in parse(path)]
PYTHON = [b for b in BLOCKS if b.language == "python"]
NATIVE = [b for b in BLOCKS if b.language in ("c", "cpp")]


# Expected values in trailing comments -------------------------------------------------------------

_ELIDED = object()


def _expected_value(comment):
    """The literal a trailing comment starts with, or None when the comment is prose."""
    text = comment.lstrip("#").strip()
    if text.startswith("->"):
        text = text[2:].strip()
    # The longest prefix that parses as a literal and is followed by the end, ':' or ','.
    for end in range(len(text), 0, -1):
        if end < len(text) and text[end] not in ":,":
            continue
        candidate = text[:end].strip()
        try:
            node = ast.parse(candidate, mode="eval").body
            value = ast.literal_eval(node)
        except (SyntaxError, ValueError):
            continue
        if isinstance(node, ast.Constant) and isinstance(value, (int, float)) \
                and not isinstance(value, bool) and end < len(text) \
                and text[end] == ":":
            continue  # "6: ..." is prose about a number, not a value
        if value is None:
            return None  # "# None: one per core" is about an argument
        return (value,)
    return None


def _matches(actual, expected):
    if isinstance(expected, str) and "..." in expected and isinstance(actual, str):
        pattern = ".*".join(re.escape(part) for part in expected.split("..."))
        return re.fullmatch(pattern, actual, re.DOTALL) is not None
    if isinstance(expected, tuple) and isinstance(actual, tuple):
        return len(actual) == len(expected) and all(map(_matches, actual, expected))
    if isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected
    return actual == expected


def _check(actual, expected, name):
    assert _matches(actual, expected), \
        f"{name}: the docs say {expected!r}, the code returns {actual!r}"
    return actual


def _comments_by_line(source):
    comments = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string
    return comments


class _CheckComments(ast.NodeTransformer):
    """Wraps each expression statement whose line ends in a literal comment in a check."""

    def __init__(self, block, comments):
        self.block, self.comments, self.checks = block, comments, 0
        self.last_on_line = {}

    def collect(self, tree):
        for node in ast.walk(tree):
            for field in ("body", "orelse", "finalbody"):
                stmts = getattr(node, field, None)
                for stmt in stmts if isinstance(stmts, list) else []:
                    if isinstance(stmt, ast.stmt):
                        line = stmt.end_lineno
                        prev = self.last_on_line.get(line)
                        if prev is None or stmt.col_offset > prev.col_offset:
                            self.last_on_line[line] = stmt
        return self

    def _checked(self, node):
        """The literal stated by the comment ending the statement's line, or None."""
        if self.last_on_line.get(node.end_lineno) is not node:
            return None
        comment = self.comments.get(node.end_lineno)
        return _expected_value(comment) if comment else None

    def _wrap(self, node, value, expected):
        self.checks += 1
        call = ast.Call(func=ast.Name("__docs_check__", ast.Load()),
                        args=[value, ast.Constant(expected[0]),
                              ast.Constant(f"{self.block.doc}:{node.end_lineno}")],
                        keywords=[])
        return ast.copy_location(call, value)

    def visit_Expr(self, node):  # f(x)  # 'value'
        expected = self._checked(node)
        if expected is not None:
            node.value = self._wrap(node, node.value, expected)
        return node

    def visit_Assign(self, node):  # y = f(x)  # 'value of y'
        expected = self._checked(node)
        if expected is not None:
            node.value = self._wrap(node, node.value, expected)
        return node


def compile_block(block):
    """The block's code, with its stated results checked; line numbers are the document's."""
    filename = str(ROOT / block.doc)
    source = "\n" * block.line + block.source  # line 1 of the block is the line after the fence
    tree = ast.parse(source, filename=filename)
    transformer = _CheckComments(block, _comments_by_line(source)).collect(tree)
    return compile(ast.fix_missing_locations(transformer.visit(tree)), filename, "exec")


# Running the documents ----------------------------------------------------------------------------

class Document:
    """One document's namespace, working directory, and how far its blocks have run."""

    def __init__(self, workdir):
        self.workdir = workdir  # empty: the docs create data/ themselves (the engine makes it)
        self.namespace = {"__name__": "__docs__", "__docs_check__": _check}
        self.done = {}  # block name -> None (ran) or the exception it raised

    def run(self, block):
        if block.name in self.done:
            return self.done[block.name]
        cwd = os.getcwd()
        os.chdir(self.workdir)
        try:
            exec(compile_block(block), self.namespace)  # noqa: S102 - the docs are ours
            self.done[block.name] = None
        except BaseException as e:  # noqa: B036 - recorded, then re-raised by the block's test
            self.done[block.name] = e
        finally:
            os.chdir(cwd)
        return self.done[block.name]

    def close(self):
        for value in list(self.namespace.values()):
            if isinstance(value, cairn.Engine):
                value.close()
        self.namespace.clear()
        gc.collect()


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    opened = {}

    def get(doc):
        if doc not in opened:
            opened[doc] = Document(tmp_path_factory.mktemp(re.sub(r"\W", "_", doc)))
        return opened[doc]

    yield get
    for document in opened.values():
        document.close()


@pytest.mark.parametrize("block", PYTHON, ids=[b.name for b in PYTHON])
def test_python_block_runs_as_written(block, documents):
    document = documents(block.doc)
    for earlier in PYTHON:
        if earlier is block:
            break
        if earlier.doc != block.doc or earlier.not_run:
            continue
        if document.run(earlier) is not None:
            pytest.fail(f"needs {earlier.name}, which failed: {document.done[earlier.name]!r}",
                        pytrace=False)
    if block.not_run:
        pytest.skip(f"{block.name} not-run: {block.not_run}")
    error = document.run(block)
    if error is not None:
        raise error


# The C and C++ examples compile -------------------------------------------------------------------

# What the docs tell readers to include; a block's own #include lines are added after these.
PROLOGUE = {
    "c": ["#include <stdio.h>", "#include <cairn.h>"],
    "cpp": ["#include <cstdio>", "#include <iostream>", "#include <string>",
            '#include "cairn/cairn.hpp"'],
}
COMPILER = {
    "c": (["cc", "gcc", "clang"], ["-std=c99", "-pedantic-errors", "-x", "c"]),
    "cpp": (["c++", "g++", "clang++"], ["-std=c++20", "-x", "c++"]),
}
# A line that starts a function definition at file scope: then the block is a whole file.
TOP_LEVEL_FUNCTION = re.compile(
    r"^[A-Za-z_][\w:<>,*& ]*[\s*&]\w[\w:]*\([^;]*\)\s*(const\s*)?\{\s*$", re.MULTILINE)


def translation_unit(block):
    """The block as a file: the prologue, then the block, wrapped in main() when it is a body."""
    lines = block.source.splitlines()
    includes = [line for line in lines if line.startswith("#include")]
    body = ["" if line.startswith("#include") else line for line in lines]
    out = PROLOGUE[block.language] + includes
    whole_file = TOP_LEVEL_FUNCTION.search(block.source) is not None
    if not whole_file:
        out.append("int main(void) {" if block.language == "c" else "int main() {")
    out.append(f'#line {block.line + 1} "{ROOT / block.doc}"')
    out += body
    if not whole_file:
        out += ["  return 0;", "}"]
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("block", NATIVE, ids=[b.name for b in NATIVE])
def test_c_and_cpp_block_compiles(block):
    if block.not_run:
        pytest.skip(f"{block.name} not-run: {block.not_run}")
    names, flags = COMPILER[block.language]
    compiler = next((shutil.which(n) for n in names if shutil.which(n)), None)
    if compiler is None:
        pytest.skip(f"no compiler for {block.language}")
    includes = [f"-I{ROOT / 'include'}", f"-I{ROOT / 'capi' / 'include'}"]
    result = subprocess.run([compiler, *flags, "-fsyntax-only", *includes, "-"],
                            input=translation_unit(block), capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, f"{block.name} does not compile:\n{result.stderr}"


def test_not_run_markers_stand_before_a_fence_and_give_a_reason():
    for path in DOCUMENTS:
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if not NOT_RUN_LOOSE.search(line):
                continue
            where = f"{path.relative_to(ROOT).as_posix()}:{i + 1}"
            m = NOT_RUN.match(line)
            assert m, f"{where}: write the marker as <!-- not-run: <reason> -->"
            assert m.group(1).strip(), f"{where}: a not-run marker says why"
            fence = FENCE.match(lines[i + 1]) if i + 1 < len(lines) else None
            assert fence and fence.group(1), \
                f"{where}: a not-run marker stands on the line before a code fence"


def test_every_python_block_parses():
    # Even the not-run ones: a fragment that does not parse is a typo, not a fragment.
    for block in PYTHON:
        compile_block(block)


def test_the_stated_results_are_recognised():
    assert _expected_value("# True") == (True,)
    assert _expected_value("# True: bob now votes for it (again: False)") == (True,)
    assert _expected_value("# (1, 0)") == ((1, 0),)
    assert _expected_value("# -> 1") == (1,)
    assert _expected_value("# 'f1~...', the hash of d.to_string()") == ("f1~...",)
    assert _expected_value("# 6 digits; 5 per 15 min") is None
    assert _expected_value("# -> User") is None
    assert _expected_value("# RFC 6962 audit path") is None
    assert _matches("f1~abc", "f1~...") and not _matches("b1~abc", "f1~...")
    assert not _matches(1, True) and not _matches(True, 1) and _matches(2, 2)
