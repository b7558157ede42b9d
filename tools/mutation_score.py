"""Score a finished ``mutmut run`` and fail below the bar (``make mutation``, decision 0013).

Counts, per module and in total, the mutants the unit tests detect (killed or timed out)
among the mutants that change behaviour. A *message-text* mutant is left out of the
score: one whose only change is to a string literal holding prose (a literal with a space
in it: the wording of an error or a reason), altered or replaced by ``None``. Tests assert
on error classes and reason codes, not wording, so such mutants survive by design;
identifiers, keys, codes and separators (literals without a space) are scored like any
other code.

Every surviving behaviour mutant is printed with its diff, for review against the list
of known equivalent mutants in docs/decisions/0013-mutation-testing.md.

    python tools/mutation_score.py --min 95
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tokenize
from collections import Counter
from pathlib import Path

DETECTED = {"killed", "timeout", "caught by type check", "segfault"}


def _status(code: int | None) -> str:
    from mutmut.stats import status_by_exit_code

    return str(status_by_exit_code[code])


def _diff(name: str, path: Path) -> str:
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    return str(get_diff_for_mutant(name, path=path))


def _tokens(text: str) -> list[tuple[int, str]]:
    """Python tokens of a fragment of code (unbalanced brackets are fine)."""
    tokens: list[tuple[int, str]] = []
    skip = (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT)
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type not in skip:
                tokens.append((tok.type, tok.string))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return tokens


def is_message_text(diff: str) -> bool:
    """Does the mutant only change the prose of a message?

    That is: the code before and after differs in one stretch, which holds a string
    literal with a space in it (prose), and becomes one string literal (``"XX…XX"``,
    case changes) or ``None`` (the message argument dropped).
    """
    body = [line for line in diff.splitlines() if not line.startswith(("---", "+++", "@@"))]
    removed = "\n".join(line[1:].strip() for line in body if line.startswith("-"))
    added = "\n".join(line[1:].strip() for line in body if line.startswith("+"))
    before, after = _tokens(removed), _tokens(added)
    while before and after and before[0] == after[0]:
        before, after = before[1:], after[1:]
    while before and after and before[-1] == after[-1]:
        before, after = before[:-1], after[:-1]
    prose = any(kind == tokenize.STRING and " " in text for kind, text in before)
    replaced = len(after) == 1 and (after[0][0] == tokenize.STRING or after[0][1] == "None")
    return prose and replaced


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min", type=float, default=95.0, help="minimum score in percent")
    parser.add_argument("--mutants", type=Path, default=Path("mutants"))
    args = parser.parse_args(argv)

    metas = sorted(args.mutants.glob("src/**/*.py.meta"))
    if not metas:
        print(f"error: no mutmut results under {args.mutants}; run `mutmut run` first")
        return 2
    totals: Counter[str] = Counter()
    survivors: list[tuple[str, str]] = []
    unchecked = 0
    print(
        f"{'module':<40} {'mutants':>8} {'message':>8} {'scored':>7} {'detected':>9} {'score':>7}"
    )
    for meta in metas:
        source = Path(*meta.relative_to(args.mutants).parts).with_suffix("")
        results = json.loads(meta.read_text())["exit_code_by_key"]
        row: Counter[str] = Counter()
        for name, code in sorted(results.items()):
            status = _status(code)
            row["mutants"] += 1
            if status == "not checked":
                unchecked += 1
                continue
            if status in DETECTED:
                row["detected"] += 1
                row["scored"] += 1
                continue
            diff = _diff(name, source)
            if is_message_text(diff):
                row["message"] += 1
                continue
            row["scored"] += 1
            survivors.append((f"{name} ({status})", diff))
        totals.update(row)
        print(_row(str(source), row))
    print(_row("total", totals))
    for name, diff in survivors:
        print(f"\n# {name}\n{diff}")
    if unchecked:
        print(f"\nerror: {unchecked} mutants were not checked; the run did not finish")
        return 1
    score = _score(totals)
    verdict = "ok" if score >= args.min else "FAILED"
    print(f"\nmutation score {score:.1f} % (minimum {args.min:g} %): {verdict}")
    return 0 if score >= args.min else 1


def _score(row: Counter[str]) -> float:
    return 100.0 * row["detected"] / row["scored"] if row["scored"] else 100.0


def _row(label: str, row: Counter[str]) -> str:
    return (
        f"{label:<40} {row['mutants']:>8} {row['message']:>8} {row['scored']:>7} "
        f"{row['detected']:>9} {_score(row):>6.1f}%"
    )


if __name__ == "__main__":
    sys.exit(main())
