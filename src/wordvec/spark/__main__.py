"""``python -m wordvec.spark CORPUS -o MODEL [options]``: ``wordvec spark-train`` as a script,
also the file spark-submit runs:

    spark-submit --master spark://HOST:7077 "$(python -m wordvec.spark --path)" CORPUS -o MODEL

(``--path`` prints this file's path). Absolute imports only: spark-submit runs it as a file.
"""
import sys


def main(argv=None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--path"]:
        print(__file__)
        return
    from wordvec.cli.main import run

    sys.argv = ["wordvec", "spark-train", *argv]
    run()


if __name__ == "__main__":
    main()
