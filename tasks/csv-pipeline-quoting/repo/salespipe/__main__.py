import sys

from .pipeline import run


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m salespipe INPUT.csv OUTPUT.csv", file=sys.stderr)
        return 2
    with open(argv[0], newline="", encoding="utf-8") as src, open(
        argv[1], "w", newline="", encoding="utf-8"
    ) as out:
        totals = run(src, out)
    for region, total in totals.items():
        print(f"{region}\t{total}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
