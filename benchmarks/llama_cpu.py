"""llama.cpp's own speed here: prompt evaluation and generation per batch size, thread count and CPU backend.

Usage:
    python benchmarks/llama_cpu.py [--model packaged-qwen|packaged-qwen-1.5b|FILE.gguf]
                                   [--batch 8,512 ...] [--threads 2] [--variants haswell,zen4] [--json]

Evaluates a ~1,700-token chat prompt (a description of objects and speech, the size a 30 s
clip gives) from an empty context, twice, then generates 32 tokens, for every combination of
``--batch`` (``n_batch,n_ubatch`` pairs, or one number for both) and ``--threads``; each CPU
backend variant (``--variants``; default: the one `local_llama.load_cpu_backend` picks) runs in
its own process, since a process loads one. Prints tokens per second (wall) and per CPU second
(what stays comparable when the machine is shared), with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def prompt() -> str:
    objects = ["person", "car", "bicycle", "dog", "cat", "horse", "bus", "truck", "bench", "traffic light"]
    lines = [f"[0:00:{i * 0.6:04.1f}–0:00:{i * 0.6 + 1:04.1f}] objects: 1 {objects[i % 10]} (center), "
             f"2 {objects[(i * 3) % 10]} (left)" for i in range(40)]
    lines += [f'[0:00:{i * 3:04.1f}–0:00:{i * 3 + 2:04.1f}] speech: S1: "The red delivery van arrives at '
              f'{i + 1} o\'clock near the bakery on Main Street."' for i in range(10)]
    return ("<|im_start|>system\nYou answer questions about a video using only its description.\n"
            "<video_description>\n" + "\n".join(lines) + "\n</video_description><|im_end|>\n"
            "<|im_start|>user\nWhen does the van arrive?<|im_end|>\n<|im_start|>assistant\n")


def measure(model: str, batches: list[tuple[int, int]], threads: list[int], variant: str | None) -> list[dict]:
    from videochat_text import local_llama
    from videochat_text.chat_models import local_model_path
    from videochat_text.config import ChatSettings

    loaded = local_llama.load_cpu_backend(variant)
    path = local_model_path(ChatSettings(model=model))
    rows = []
    for n_batch, n_ubatch in batches:
        for n_threads in threads:
            llama = local_llama.Llama(model_path=str(path), n_ctx=4096, n_batch=n_batch, n_ubatch=n_ubatch,
                                      n_threads=n_threads, n_threads_batch=n_threads, verbose=False)
            tokens = llama.tokenize(prompt().encode(), add_bos=False, special=True)
            best: dict = {}
            for _ in range(2):
                llama.reset()
                wall, cpu = time.perf_counter(), time.process_time()
                llama.eval(tokens)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                g_wall, g_cpu, n = time.perf_counter(), time.process_time(), 0
                for _token in llama.generate([], reset=False, temp=0):
                    n += 1
                    if n == 32:
                        break
                g_wall, g_cpu = time.perf_counter() - g_wall, time.process_time() - g_cpu
                run = {"prompt_tok_s": len(tokens) / wall, "prompt_tok_per_cpu_s": len(tokens) / cpu,
                       "gen_tok_s": n / g_wall, "gen_tok_per_cpu_s": n / g_cpu}
                best = {k: max(v, best.get(k, 0.0)) for k, v in run.items()}
            rows.append({"variant": loaded, "n_batch": n_batch, "n_ubatch": n_ubatch, "threads": n_threads,
                         "prompt_tokens": len(tokens), "load": round(os.getloadavg()[0], 1),
                         **{k: round(v, 1) for k, v in best.items()}})
            del llama
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="packaged-qwen")
    parser.add_argument("--batch", nargs="+", default=["8", "512", "2048,512"])
    parser.add_argument("--threads", default="2")
    parser.add_argument("--variants", help="comma-separated CPU backends to compare (default: the one chosen)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: one variant in this process
    args = parser.parse_args()
    batches = [(int(b.split(",")[0]), int(b.split(",")[-1])) for b in args.batch]
    threads = [int(t) for t in args.threads.split(",")]
    if args.one is not None:
        print(json.dumps(measure(args.model, batches, threads, args.one or None)))
        return 0
    rows = []
    for variant in (args.variants.split(",") if args.variants else [""]):
        out = subprocess.run([sys.executable, __file__, "--one", variant, "--model", args.model, "--batch", *args.batch,
                              "--threads", args.threads], capture_output=True, text=True, check=True).stdout
        rows += json.loads(out.strip().splitlines()[-1])
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{args.model}, {rows[0]['prompt_tokens']}-token prompt; tokens per second (wall) and per CPU second")
    print(f"{'backend':12s}{'n_batch':>8s}{'n_ubatch':>9s}{'threads':>8s}{'prompt/s':>10s}{'prompt/CPU s':>13s}"
          f"{'gen/s':>8s}{'gen/CPU s':>10s}{'load':>6s}")
    for r in rows:
        print(f"{r['variant']:12s}{r['n_batch']:>8d}{r['n_ubatch']:>9d}{r['threads']:>8d}{r['prompt_tok_s']:>10.1f}"
              f"{r['prompt_tok_per_cpu_s']:>13.1f}{r['gen_tok_s']:>8.1f}{r['gen_tok_per_cpu_s']:>10.1f}{r['load']:>6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
