#!/usr/bin/env python3
"""Fails when a function in the given C++ files is longer than --max-lines lines.

The same measure as clang-tidy's readability-function-size LineThreshold: the lines of a
function's body, from the line after its opening brace to the line of its closing one (a lambda
counts toward the function that holds it). A body is a brace that follows a
parameter list, at namespace or class scope.

    function_size.py --max-lines 80 src/train/*.cpp apps/psml/*.cpp
"""
import argparse
import re
import sys

_TOKENS = re.compile(r'//[^\n]*|/\*.*?\*/|R"(?P<d>[^(]*)\(.*?\)(?P=d)"|"(?:\\.|[^"\\\n])*"|'
                     r"'(?:\\.|[^'\\\n])*'", re.S)


def blank(text):
    """The text with comments, strings and characters replaced by spaces (newlines kept)."""
    return _TOKENS.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def is_function_head(code, brace):
    """Whether the brace at `brace` opens a function body: `) [qualifiers] {` or `) : init {`."""
    head = code[max(0, code.rfind(";", 0, brace), code.rfind("}", 0, brace),
                    code.rfind("{", 0, brace)) + 1:brace]
    head = re.sub(r"\s+", " ", head).strip()
    if not head or re.match(r"^(namespace|class|struct|union|enum|extern)\b", head):
        return False
    if re.search(r"\b(if|for|while|switch|catch|else|do|return)\b\s*\(?", head.split("(")[0]):
        return False
    return "(" in head and not head.endswith("=") and not re.search(r"=\s*$", head)


def functions(path):
    code = blank(open(path, encoding="utf-8").read())
    depth_kind = []  # per open brace: True when it opens a function body
    in_function = 0
    starts = []
    for i, ch in enumerate(code):
        if ch == "{":
            body = in_function == 0 and is_function_head(code, i)
            depth_kind.append(body)
            if body:
                in_function += 1
                starts.append(i)
            elif in_function:
                in_function += 1
        elif ch == "}" and depth_kind:
            body = depth_kind.pop()
            if in_function:
                in_function -= 1
            if body:
                start = starts.pop()
                first = code.count("\n", 0, start) + 1
                last = code.count("\n", 0, i) + 1
                name = re.sub(r"\s+", " ", code[max(0, code.rfind("\n", 0, start - 200)):start])
                yield first, last - first, name.strip()[-70:]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-lines", type=int, default=80)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    long = [(path, line, lines, name) for path in args.files
            for line, lines, name in functions(path) if lines > args.max_lines]
    for path, line, lines, name in long:
        print(f"{path}:{line}: function body of {lines} lines (more than {args.max_lines}): {name}")
    checked = len(args.files)
    if not long:
        print(f"function_size: {checked} files, no function longer than {args.max_lines} lines")
    return 1 if long else 0


if __name__ == "__main__":
    sys.exit(main())
