#!/usr/bin/env python3
"""Turns run.sh's raw results into the README's tables: the median of the rounds for every server, body size and
connection count, the cold-burst counts, and whether the issue's targets are met.

    report.py results.tsv bursts.tsv burst_size
results.tsv: round, server, size, connections, req/s, p50 (us), p99 (us), server CPU per request (us); bursts.tsv: target, delay (ms), origin
requests, the burst client's outcome.
"""
import collections
import statistics
import sys

SERVERS = ["proxy", "varnish", "nginx"]
LABEL = {"proxy": "HttpCaching.Proxy", "varnish": "Varnish", "nginx": "nginx", "nginx-nolock": "nginx, proxy_cache_lock off"}


def ms(us):
    return f"{us / 1000:.2f}"


def main(results_path, bursts_path, burst_size):
    runs = collections.defaultdict(list)
    for line in open(results_path):
        _, server, size, conns, rps, p50, p99, cpu = line.split("\t")
        runs[(size, int(conns), server)].append((float(rps), int(p50), int(p99), float(cpu)))
    cases = sorted({(size, conns) for size, conns, _ in runs}, key=lambda c: (int(c[0].rstrip("k")), c[1]))
    servers = [s for s in SERVERS if any(k[2] == s for k in runs)]
    rounds = max(len(v) for v in runs.values())

    head = ["Body", "Conns"] + [f"{LABEL[s]} req/s" for s in servers] + [f"{LABEL[s]} p50 / p99 ms" for s in servers]
    head += [f"{LABEL[s]} CPU µs/req" for s in servers]
    if "proxy" in servers and "varnish" in servers:
        head += ["proxy / Varnish req/s", "target met"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join(["---"] * 2 + ["---:"] * (len(head) - 2)) + "|")
    verdicts = []
    for size, conns in cases:
        med = {}
        for s in servers:
            values = runs[(size, conns, s)]
            med[s] = tuple(statistics.median(v[i] for v in values) for i in range(4))
        row = [size.replace("k", " KB"), str(conns)]
        row += [f"{med[s][0]:,.0f}" for s in servers]
        row += [f"{ms(med[s][1])} / {ms(med[s][2])}" for s in servers]
        row += [f"{med[s][3]:.1f}" for s in servers]
        if "proxy" in med and "varnish" in med:
            ratio = med["proxy"][0] / med["varnish"][0]
            throughput_ok = med["proxy"][0] >= med["varnish"][0]
            p99_ok = med["proxy"][2] <= med["varnish"][2]
            ok = throughput_ok and p99_ok
            why = [] if ok else (["req/s"] if not throughput_ok else []) + (["p99"] if not p99_ok else [])
            row += [f"{ratio:.2f}", "yes" if ok else "no (" + ", ".join(why) + ")"]
            verdicts.append(ok)
        print("| " + " | ".join(row) + " |")
    print()
    print(f"Median of {rounds} rounds, each column on its own. CPU µs/req: the server's user + system CPU time (all its"
          " processes) during the run, divided by the requests served. Per-round values (req/s; p99 ms):")
    print()
    for size, conns in cases:
        parts = []
        for s in servers:
            values = runs[(size, conns, s)]
            parts.append(f"{LABEL[s]} " + ", ".join(f"{v[0]:,.0f}; {ms(v[2])}" for v in values))
        print(f"- {size.replace('k', ' KB')}, {conns} connections: " + " | ".join(parts))
    print()

    print(f"Cold burst: {burst_size} concurrent GETs of one uncached URL, origin requests counted in the origin's log:")
    print()
    bursts = [line.rstrip("\n").split("\t") for line in open(bursts_path)]
    delays = sorted({int(b[1]) for b in bursts})
    targets = list(dict.fromkeys(b[0] for b in bursts))
    print("| Server | " + " | ".join(f"origin delay {d} ms" for d in delays) + " |")
    print("|---|" + "|".join(["---:"] * len(delays)) + "|")
    counts = {(b[0], int(b[1])): (b[2], b[3]) for b in bursts}
    for t in targets:
        cells = []
        for d in delays:
            count, outcome = counts.get((t, d), ("-", ""))
            seconds = next((p.split("=")[1] for p in outcome.split() if p.startswith("seconds=")), "")
            cells.append(f"{count} ({float(seconds) * 1000:.0f} ms)" if seconds else count)
        print(f"| {LABEL.get(t, t)} | " + " | ".join(cells) + " |")
    print()
    print("(In brackets: the burst's wall time, first request written to last response read.)")
    print()
    if verdicts:
        print(f"Hit target (proxy req/s >= Varnish's and p99 <= Varnish's, every case): {'met' if all(verdicts) else 'NOT met'}"
              f" ({sum(verdicts)} of {len(verdicts)} cases)")
    proxy_bursts = [int(counts[(t, d)][0]) for t in targets if t == "proxy" for d in delays]
    if proxy_bursts:
        print(f"Burst target (proxy: 1 origin request): {'met' if all(c == 1 for c in proxy_bursts) else 'NOT met'}"
              f" ({', '.join(map(str, proxy_bursts))})")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
