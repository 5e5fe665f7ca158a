"""The peer baseline: N trivial tasks through multiprocessing.Pool with chunk size 1.

Prints the seconds the map took (the pool's start-up is not counted).
Usage: python3 python_pool.py TASKS PROCESSES
"""
import multiprocessing
import sys
import time


def identity(x):
    return x


def main():
    tasks, processes = int(sys.argv[1]), int(sys.argv[2])
    with multiprocessing.Pool(processes) as pool:
        pool.map(identity, range(processes), chunksize=1)  # the workers are up
        began = time.perf_counter()
        pool.map(identity, range(tasks), chunksize=1)
        print(time.perf_counter() - began)


if __name__ == "__main__":
    main()
