#!/usr/bin/env python3
"""End-to-end delivery of flows between random pairs of a simulated nexus mesh.

It builds a connected random geometric mesh (about --degree neighbours per node, WiFi-like
point-to-point links: 6 Mbit/s, 2 ms, --loss frame loss), lets every node announce one destination
every 60 s (staggered over the first second) with the gossip round on, waits --start seconds, then
starts --flows flows of --count messages of 64 bytes every 0.5 s between random (source,
destination) pairs, on the links' reliable channel (--plain: sent once, unacknowledged). With
--crash F, a fraction F of the nodes that are no flow's end crash 5 s after the flows start. It
prints what was sent and delivered and every flow that did not deliver everything, with the
reason the flow gives.

    python3 examples/python/sim_flows.py --nodes 100
    python3 examples/python/sim_flows.py --nodes 300 --degree 9
    python3 examples/python/sim_flows.py --nodes 100 --crash 0.05 --count 60 --timeout 300

Needs the nexus Python package (pip install --no-build-isolation ./bindings/python).
"""

import argparse
import math
import random
import sys
import time


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=100)
    ap.add_argument("--degree", type=float, default=5.0, help="mean neighbours per node (sets the radius)")
    ap.add_argument("--loss", type=float, default=0.01, help="frame loss probability of every link")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", type=float, default=120.0, help="simulated seconds before the flows start")
    ap.add_argument("--flows", type=int, default=50)
    ap.add_argument("--count", type=int, default=20, help="messages per flow")
    ap.add_argument("--timeout", type=float, default=60.0, help="a flow's time to get a link, seconds")
    ap.add_argument("--crash", type=float, default=0.0, help="fraction of the nodes that crash")
    ap.add_argument("--run", type=float, default=180.0, help="simulated seconds after the flows start")
    ap.add_argument("--plain", action="store_true", help="unacknowledged sends instead of reliable ones")
    ap.add_argument("--period", type=float, default=60.0, help="seconds between a node's announces")
    ap.add_argument("--interval", type=float, default=0.5, help="seconds between a flow's messages")
    ap.add_argument("--lora", type=int, default=0, metavar="SF",
                    help="LoRa links (125 kHz, 4/5) at this spreading factor instead of WiFi")
    ap.add_argument("--shared", action="store_true",
                    help="one radio per node: every edge on interface 0 (a shared half-duplex channel)")
    args = ap.parse_args(argv)
    if args.nodes < 2 or args.flows < 1 or args.count < 1 or not 0 <= args.loss < 1 or not 0 <= args.crash < 1:
        ap.error("need --nodes >= 2, --flows and --count >= 1, --loss and --crash in [0, 1)")
    return args


def main(argv):
    from nexus import sim

    args = parse_args(argv)
    wall = time.perf_counter()
    n = args.nodes
    radius = min(1.5, math.sqrt(args.degree / (math.pi * n)))
    for s in range(args.seed, args.seed + 2000):
        topo = sim.random_geometric(n, radius, s)
        if topo.is_connected() and (args.shared or max(topo.degrees()) <= sim.CAPACITIES["interfaces"]):
            break
    else:
        raise SystemExit(f"no connected {n}-node topology near seed {args.seed}: raise --degree")
    m = sim.Mesh(seed=args.seed, gossip=True)
    if args.lora:
        link = sim.LinkParams(loss=args.loss, lora=sim.LoRa(sf=args.lora))
    else:
        link = sim.LinkParams(bitrate_bps=6_000_000, latency_ms=2.0, loss=args.loss)
    m.build(topo, link, shared=args.shared)
    dests = [m.add_destination(i, f"example.flow.{i}") for i in range(n)]
    for i, d in enumerate(dests):
        m.announce_every(i, d, first_s=i / n, period_s=args.period)
    m.run(args.start)
    rng = random.Random(args.seed)
    flows = []
    for _ in range(args.flows):
        a, b = rng.sample(range(n), 2)
        flows.append(sim.inject_traffic(m, a, dests[b], count=args.count, size=64, interval_s=args.interval,
                                        timeout_s=args.timeout, reliable=not args.plain))
    victims = []
    if args.crash:
        ends = {f.src for f in flows} | {f.dest_node for f in flows}
        victims = rng.sample([i for i in range(n) if i not in ends], int(args.crash * n))
        m.at(m.now + 5.0, lambda: [m.crash(v) for v in victims])
    m.run(m.now + args.run)
    sent = sum(f.sent for f in flows)
    offered = args.flows * args.count
    print(f"{n} nodes (topology seed {s}, diameter from node 0: {max(topo.distances(0).values())} hops), "
          f"{'plain' if args.plain else 'reliable'} flows, {args.loss:.1%} loss per hop, "
          f"{'LoRa SF%d' % args.lora if args.lora else 'WiFi'}{' shared' if args.shared else ''}"
          + (f", crashed {sorted(victims)}" if victims else ""))
    print(f"offered {offered}, sent {sent}, delivered {sum(f.delivered for f in flows)} "
          f"(delivered / sent {sim.delivery_ratio(flows):.4f})  [{time.perf_counter() - wall:.0f} s wall]")
    for f in flows:
        if f.delivered < f.count:
            print(f"  {f.src} -> {f.dest_node}: sent {f.sent}, delivered {f.delivered}, status {f.status}, "
                  f"reason {f.reason}, links opened {len(f.links)}, walk now {m.walk(f.src, f.dest)['nodes']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
