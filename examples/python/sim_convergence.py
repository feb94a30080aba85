#!/usr/bin/env python3
"""Convergence time and routing-control overhead of nexus meshes against their size.

For each mesh size it builds a connected random geometric mesh (about --degree neighbours per
node, point-to-point WiFi-like links: 6 Mbit/s, 2 ms, 1 % loss) of real nexus transport nodes,
once with the gossip round on and once with announces only, lets every node announce one
destination (staggered over the first second, again every --period seconds), and measures with
nexus.sim's helpers:

- convergence time: simulated seconds until every node has an active route to every other
  node's destination, following the nodes' choices from it reaches that destination, and no
  routing table changes any more (nexus.sim.convergence_time; "> limit" in the table, an x on
  the plot, when that did not happen within --limit seconds);
- overhead over the first --window seconds: announce and gossip bytes per node per second, and
  the mean share of link capacity they take (nexus.sim.gossip_overhead).

It prints a table and plots both against the mesh size to a PNG (matplotlib, Agg backend).

    python3 examples/python/sim_convergence.py --sizes 10 20 50 100 --seed 1 --out sim_convergence.png

Needs the nexus Python package (pip install --no-build-isolation ./bindings/python) and
matplotlib (Debian: python3-matplotlib); exits with status 2 when matplotlib is missing.
"""

import argparse
import math
import sys
import time


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 20, 50, 100], help="mesh sizes (nodes)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the topologies and the simulation")
    ap.add_argument("--out", default="sim_convergence.png", help="PNG to write")
    ap.add_argument("--degree", type=float, default=5.0, help="mean neighbours per node (sets the radius)")
    ap.add_argument("--window", type=float, default=120.0,
                    help="simulated seconds the overhead is measured over")
    ap.add_argument("--period", type=float, default=60.0, help="seconds between a node's announces")
    ap.add_argument("--loss", type=float, default=0.01, help="frame loss probability of every link")
    ap.add_argument("--limit", type=float, default=300.0, help="simulated seconds to wait for convergence")
    args = ap.parse_args(argv)
    if any(n < 2 for n in args.sizes):
        ap.error("every size must be at least 2 nodes")
    if args.degree <= 0 or args.window <= 0 or args.period <= 0 or args.limit <= 0:
        ap.error("--degree, --window, --period and --limit must be > 0")
    if not 0 <= args.loss < 1:
        ap.error("--loss must be between 0 and 1")
    return args


def connected_topology(sim, n, degree, seed):
    """The first connected random geometric topology from seed, seed + 1, ... whose degrees fit a
    simulated node's interfaces; the radius gives about `degree` neighbours on average."""
    radius = min(1.5, math.sqrt(degree / (math.pi * n)))
    for s in range(seed, seed + 1000):
        t = sim.random_geometric(n, radius, s)
        if t.is_connected() and max(t.degrees()) <= sim.CAPACITIES["interfaces"]:
            return t, s
    raise SystemExit(f"no connected {n}-node topology found near seed {seed}: raise --degree")


def measure(sim, n, gossip, args):
    wall = time.perf_counter()
    topo, topo_seed = connected_topology(sim, n, args.degree, args.seed)
    wifi = sim.LinkParams(bitrate_bps=6_000_000, latency_ms=2.0, loss=args.loss)
    m = sim.Mesh(seed=args.seed, gossip=gossip)
    m.build(topo, wifi)
    for i in range(n):
        d = m.add_destination(i, f"example.node.{i}")
        m.announce_every(i, d, first_s=i / n, period_s=args.period)
    conv = sim.convergence_time(m, step_s=0.25, limit_s=args.limit)
    m.run_until(max(m.now, args.window))
    announce = sim.gossip_overhead(m, classes=("announce",))
    both = sim.gossip_overhead(m)
    gossip_bytes = both["bytes"] - announce["bytes"]
    return {
        "nodes": n,
        "gossip": gossip,
        "edges": len(topo.edges),
        "degree": 2 * len(topo.edges) / n,
        "topology_seed": topo_seed,
        "convergence_s": conv,
        "announce_Bps_node": announce["bytes"] / both["elapsed_s"] / n,
        "gossip_Bps_node": gossip_bytes / both["elapsed_s"] / n,
        "load_pct": 100 * both["mean_fraction"],
        "max_load_pct": 100 * both["max_fraction"],
        "elapsed_s": both["elapsed_s"],
        "wall_s": time.perf_counter() - wall,
    }


def print_table(rows, args):
    head = ("nodes", "gossip", "edges", "degree", "converged (s)", "announce B/s/node", "gossip B/s/node",
            "mean load %", "max load %", "wall (s)")
    print(" | ".join(head))
    for r in rows:
        conv = f"> {args.limit:g}" if r["convergence_s"] is None else f"{r['convergence_s']:.2f}"
        cells = (str(r["nodes"]), "on" if r["gossip"] else "off", str(r["edges"]), f"{r['degree']:.1f}", conv,
                 f"{r['announce_Bps_node']:.1f}", f"{r['gossip_Bps_node']:.1f}", f"{r['load_pct']:.4f}",
                 f"{r['max_load_pct']:.4f}", f"{r['wall_s']:.1f}")
        print(" | ".join(c.rjust(len(h)) for c, h in zip(cells, head)))


def plot(plt, rows, args):
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    load = ax2.twinx()
    for gossip, colour in ((True, "tab:blue"), (False, "tab:orange")):
        mode = [r for r in rows if r["gossip"] == gossip]
        if not mode:
            continue
        label = "gossip on" if gossip else "gossip off (announces only)"
        sizes = [r["nodes"] for r in mode]
        conv = [r["convergence_s"] for r in mode]
        ax1.plot(sizes, [c if c is not None else float("nan") for c in conv], "o-", color=colour, label=label)
        never = [n for n, c in zip(sizes, conv) if c is None]
        if never:
            ax1.plot(never, [args.limit] * len(never), "x", color=colour, markersize=10,
                     label=f"{label}: not converged within {args.limit:g} s")
        ax2.plot(sizes, [r["announce_Bps_node"] + r["gossip_Bps_node"] for r in mode], "o-", color=colour,
                 label=f"{label}: announce + gossip B/s/node")
        load.plot(sizes, [r["load_pct"] for r in mode], "^--", color=colour, alpha=0.6,
                  label=f"{label}: mean link load %")
    ax1.set_xlabel("mesh size (nodes)")
    ax1.set_ylabel("convergence time (simulated s)")
    ax1.set_title("Route convergence")
    ax1.grid(True, alpha=0.3)
    ax1.legend(fontsize="small")
    ax2.set_xlabel("mesh size (nodes)")
    ax2.set_ylabel("routing-control bytes per second per node")
    ax2.set_title(f"Routing overhead over the first {args.window:g} s")
    ax2.grid(True, alpha=0.3)
    load.set_ylabel("mean share of link capacity (%)")
    h1, l1 = ax2.get_legend_handles_labels()
    h2, l2 = load.get_legend_handles_labels()
    ax2.legend(h1 + h2, l1 + l2, loc="upper left", fontsize="x-small")
    fig.suptitle(f"nexus.sim: random geometric meshes, ~{args.degree:g} neighbours, 6 Mbit/s 2 ms "
                 f"{100 * args.loss:g} % loss links, announces every {args.period:g} s (seed {args.seed})",
                 fontsize="medium")
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("sim_convergence: matplotlib is needed for the plot "
              "(Debian: apt-get install python3-matplotlib)", file=sys.stderr)
        return 2
    try:
        from nexus import sim
    except ImportError as e:
        print(f"sim_convergence: the nexus package is not importable ({e}); "
              "pip install --no-build-isolation ./bindings/python", file=sys.stderr)
        return 1
    rows = []
    for n in args.sizes:
        for gossip in (True, False):
            rows.append(measure(sim, n, gossip, args))
    print_table(rows, args)
    plot(plt, rows, args)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
