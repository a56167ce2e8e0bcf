#!/usr/bin/env python3
"""A vLLM-style streaming client: the peer bench/accuracy compares wirebench's accuracy with.

Shaped like the request function of vLLM's serving benchmark (async_request_openai_chat_completions):
one aiohttp ClientSession, an asyncio.Semaphore(concurrency) around every request, POST with
stream=true, `async for` over response.content (one line at a time), `data: ` stripped, json.loads
per chunk, time.perf_counter() per chunk. That is the cost profile of a typical Python benchmark
client, which is what is being compared.

One deliberate difference: vLLM ends TTFT at the first chunk with non-empty `choices`, which is the
role-only chunk (empty content). wirebench's reference server sends that chunk when it accepts the
request, long before the first token, so that rule would time the ack. TTFT here ends at the first
chunk with non-empty content (wirebench's rule and the server's truth), ITL is the gap between
content chunks; the vLLM-rule TTFT is reported too, as ttft_first_chunk_ms.

The load matches a wirebench closed loop: `warmup` requests (one per slot) first, not measured, then
`requests` requests through `concurrency` slots, the first `concurrency` starts spread over
`ramp_up` seconds. Prints one JSON summary on stdout.
Needs aiohttp (Debian: apt-get install python3-aiohttp).
"""

import argparse
import asyncio
import json
import math
import sys
import time

import aiohttp

AIOHTTP_TIMEOUT = aiohttp.ClientTimeout(total=6 * 60 * 60)


async def request_chat(session, url, model, prompt, max_tokens):
    payload = {
        "model": model,
        "messages": [{"role": "user", "content": prompt}],
        "temperature": 0.0,
        "max_completion_tokens": max_tokens,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    headers = {"Content-Type": "application/json"}
    out = {"ok": False, "ttft": 0.0, "ttft_first_chunk": 0.0, "itl": [], "tokens": 0, "error": ""}
    st = time.perf_counter()
    most_recent = st
    try:
        async with session.post(url=url, json=payload, headers=headers) as response:
            if response.status != 200:
                out["error"] = f"{response.status} {response.reason}"
                return out
            async for chunk_bytes in response.content:
                chunk_bytes = chunk_bytes.strip()
                if not chunk_bytes:
                    continue
                chunk = chunk_bytes.decode("utf-8").removeprefix("data: ")
                if chunk == "[DONE]":
                    continue
                timestamp = time.perf_counter()
                data = json.loads(chunk)
                if choices := data.get("choices"):
                    if out["ttft_first_chunk"] == 0.0:
                        out["ttft_first_chunk"] = timestamp - st
                    content = choices[0]["delta"].get("content")
                    if content:
                        if out["ttft"] == 0.0:
                            out["ttft"] = timestamp - st
                        else:
                            out["itl"].append(timestamp - most_recent)
                        most_recent = timestamp
                elif usage := data.get("usage"):
                    out["tokens"] = usage.get("completion_tokens", 0)
            out["ok"] = out["ttft"] > 0.0
    except Exception as e:  # vLLM records the failure and goes on
        out["error"] = repr(e)
    return out


def pct(xs, p):
    """Nearest rank, as HdrHistogram reports it: the value at rank ceil(p/100 * n)."""
    if not xs:
        return None
    s = sorted(xs)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def summary_ms(xs):
    return {"p50": pct(xs, 50) * 1e3, "p99": pct(xs, 99) * 1e3, "count": len(xs)} if xs else None


async def main(args):
    connector = aiohttp.TCPConnector(limit=args.concurrency, keepalive_timeout=60, force_close=False)
    async with aiohttp.ClientSession(connector=connector, timeout=AIOHTTP_TIMEOUT, trust_env=True) as session:
        sem = asyncio.Semaphore(args.concurrency)

        async def limited(i, ramp):
            async with sem:
                # The first `concurrency` requests hold their slot while they wait their turn in the ramp.
                if ramp > 0 and i < args.concurrency:
                    await asyncio.sleep(i * ramp / args.concurrency)
                return await request_chat(session, args.url, args.model, args.prompt, args.tokens)

        await asyncio.gather(*(limited(i, 0) for i in range(args.warmup)))
        cpu0, t0 = time.process_time(), time.perf_counter()
        outputs = await asyncio.gather(*(limited(i, args.ramp_up) for i in range(args.requests)))
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0

    ok = [o for o in outputs if o["ok"]]
    errors = sorted({o["error"] for o in outputs if not o["ok"]})
    print(
        json.dumps(
            {
                "requests": len(outputs),
                "ok": len(ok),
                "errors": errors[:3],
                "ttft_ms": summary_ms([o["ttft"] for o in ok]),
                "ttft_first_chunk_ms": summary_ms([o["ttft_first_chunk"] for o in ok]),
                "itl_ms": summary_ms([x for o in ok for x in o["itl"]]),
                "output_tokens": sum(o["tokens"] for o in ok),
                "cpu_s": cpu,
                "wall_s": wall,
                "cpu_percent": 100 * cpu / wall if wall > 0 else 0,
                "python": sys.version.split()[0],
                "aiohttp": aiohttp.__version__,
            }
        )
    )


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", required=True, help="the chat completions URL")
    p.add_argument("--concurrency", type=int, required=True)
    p.add_argument("--requests", type=int, required=True)
    p.add_argument("--warmup", type=int, default=0)
    p.add_argument("--tokens", type=int, default=500)
    p.add_argument("--ramp-up", type=float, default=0.0, help="seconds over which the first slots start")
    p.add_argument("--model", default="bench")
    p.add_argument("--prompt", default="Write a haiku about sockets.")
    asyncio.run(main(p.parse_args()))
