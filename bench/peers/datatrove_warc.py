"""Run inside the datatrove-warc virtual environment (made by bench/bench_warc.py); never
imports zhclean.

datatrove's own crawl pipeline: WarcReader (warcio; HTML responses only, as it filters them)
-> Trafilatura(favour_precision=True) -> JsonlWriter, one task on one worker, as its
examples/fineweb.py starts (without the filters that follow there).
Prints one JSON object with the seconds taken.
Usage: python datatrove_warc.py WARC_FOLDER OUTPUT_FOLDER WORK_DIR
"""

import json
import shutil
import sys
import time
import warnings

warnings.filterwarnings("ignore")


def main():
    source, out, work = sys.argv[1:4]
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.readers import WarcReader
    from datatrove.pipeline.writers import JsonlWriter

    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
    pipeline = [
        WarcReader(source, glob_pattern="*.warc.gz"),
        Trafilatura(favour_precision=True, timeout=10.0),
        JsonlWriter(out, compression=None),
    ]
    start = time.perf_counter()
    LocalPipelineExecutor(pipeline=pipeline, tasks=1, workers=1, logging_dir=work).run()
    print(json.dumps({"seconds": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
