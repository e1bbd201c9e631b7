#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""
Print the include loops among the daemon's modules: each loop as one
line "loop: a b c", then its edges "a -> b". Exit 1 when there is one.

A module is a file's name without .c or .h, in amixd/ and
amixd/backends/. A module's private header X_impl.h belongs to module X,
and so does every file that includes it (engine_device.c includes
engine_impl.h: it is part of the engine). An edge a -> b: a file of a
includes b's header. A loop is a set of modules that reach each other (a strongly
connected component), so a module that both calls and is called by
another, through any chain, shows up.

usage: include-loops.py [TOP]	(the source tree; default: .)
"""
import os
import re
import sys

top = sys.argv[1] if len(sys.argv) > 1 else "."
dirs = ["amixd", "amixd/backends"]
headers = set()
for d in dirs:
    for f in os.listdir(os.path.join(top, d)):
        if f.endswith(".h"):
            headers.add(os.path.join(d, f[:-2]))


def module(stem):
    return stem[:-len("_impl")] if stem.endswith("_impl") else stem


def includes(path):
    return re.findall(r'^#include "([^"]+)\.h"', open(path,
        encoding="utf-8").read(), re.M)


edges = {}
for d in dirs:
    for f in sorted(os.listdir(os.path.join(top, d))):
        if not f.endswith((".c", ".h")):
            continue
        incs = includes(os.path.join(top, d, f))
        m = module(os.path.join(d, f[:-2]))
        for inc in incs:
            if inc.endswith("_impl"):
                m = module(os.path.normpath(os.path.join(d, inc)))
        edges.setdefault(m, set())
        for inc in incs:
            stem = os.path.normpath(os.path.join(d, inc))
            if stem not in headers:
                stem = os.path.normpath(os.path.join("amixd", inc))
            if stem not in headers:
                continue		# lib/ or the system's
            t = module(stem)
            if t != m:
                edges[m].add(t)

# Tarjan's strongly connected components, iterative.
index, low, onstack, stack, loops = {}, {}, set(), [], []
counter = 0
for root in sorted(edges):
    if root in index:
        continue
    work = [(root, iter(sorted(edges[root])))]
    index[root] = low[root] = counter
    counter += 1
    stack.append(root)
    onstack.add(root)
    while work:
        v, it = work[-1]
        w = next(it, None)
        if w is not None:
            if w not in index:
                index[w] = low[w] = counter
                counter += 1
                stack.append(w)
                onstack.add(w)
                work.append((w, iter(sorted(edges.get(w, ())))))
            elif w in onstack:
                low[v] = min(low[v], index[w])
            continue
        work.pop()
        if work:
            low[work[-1][0]] = min(low[work[-1][0]], low[v])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                onstack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                loops.append(sorted(comp))


def name(m):
    return m[len("amixd/"):]


for comp in loops:
    print("loop: " + " ".join(name(m) for m in comp))
    for a in comp:
        for b in sorted(edges[a] & set(comp)):
            print("    %s -> %s" % (name(a), name(b)))
sys.exit(1 if loops else 0)
