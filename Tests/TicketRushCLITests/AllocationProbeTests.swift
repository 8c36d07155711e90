import Foundation
import TicketRushTestSupport
import XCTest

/// The child's hot path allocates nothing: a malloc-counting interposer (LD_PRELOAD) is
/// armed by each buyer right after the start barrier and read back just before `_exit`.
/// Each buyer writes its count to a file `PROBE_DIR/<pid>`; every count must be zero.
final class AllocationProbeTests: XCTestCase {
    /// The interposer: counts malloc/calloc/realloc/free (and the aligned variants) while
    /// armed. The buyer finds `tr_alloc_probe_arm`/`_disarm` with dlsym before it forks.
    /// With TICKETRUSH_ALLOC_PROBE_TRACE=1 each counted call prints a backtrace to stderr.
    static let source = #"""
        #define _GNU_SOURCE
        #include <stddef.h>
        #include <stdlib.h>
        #include <unistd.h>
        #include <errno.h>
        #include <execinfo.h>
        extern void *__libc_malloc(size_t);
        extern void *__libc_calloc(size_t, size_t);
        extern void *__libc_realloc(void *, size_t);
        extern void __libc_free(void *);
        extern void *__libc_memalign(size_t, size_t);
        static volatile int armed;
        static volatile long counted;
        static int trace;
        static __thread int inside;
        static void note(void) {
            if (!armed || inside) return;
            __atomic_add_fetch(&counted, 1, __ATOMIC_RELAXED);
            if (trace) {
                inside = 1;
                void *frames[24];
                int n = backtrace(frames, 24);
                backtrace_symbols_fd(frames, n, 2);
                write(2, "--\n", 3);
                inside = 0;
            }
        }
        void *malloc(size_t n) { note(); return __libc_malloc(n); }
        void *calloc(size_t a, size_t b) { note(); return __libc_calloc(a, b); }
        void *realloc(void *p, size_t n) { note(); return __libc_realloc(p, n); }
        void free(void *p) { if (p) note(); __libc_free(p); }
        void *memalign(size_t a, size_t n) { note(); return __libc_memalign(a, n); }
        void *aligned_alloc(size_t a, size_t n) { note(); return __libc_memalign(a, n); }
        int posix_memalign(void **out, size_t a, size_t n) {
            note();
            void *p = __libc_memalign(a, n);
            if (!p) return ENOMEM;
            *out = p;
            return 0;
        }
        void tr_alloc_probe_arm(void) {
            const char *t = getenv("TICKETRUSH_ALLOC_PROBE_TRACE");
            trace = t && *t == '1';
            if (trace) { void *f[1]; backtrace(f, 1); }  /* load libgcc_s before arming */
            counted = 0;
            armed = 1;
        }
        long tr_alloc_probe_disarm(void) { armed = 0; return counted; }
        """#

    /// Compiles the interposer into a temporary folder, or skips when there is no C compiler.
    private func buildProbe(in dir: URL) throws -> String {
        guard let cc = ["/usr/bin/cc", "/usr/bin/gcc", "/usr/bin/clang"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("no C compiler (cc, gcc or clang) to build the malloc-counting LD_PRELOAD library")
        }
        let c = dir.appendingPathComponent("probe.c"), so = dir.appendingPathComponent("libprobe.so")
        try Self.source.write(to: c, atomically: true, encoding: .utf8)
        let built = try runTool(cc, ["-shared", "-fPIC", "-O1", "-o", so.path, c.path])
        XCTAssertEqual(built.status, 0, "cc failed to build the probe: \(built.stderr)")
        return so.path
    }

    /// Runs the binary with the probe preloaded; returns (status, output, counts per buyer pid).
    private func runProbed(_ args: [String], probe: String, dir: URL) throws -> (Int32, String, [String: Int]) {
        let counts = dir.appendingPathComponent("counts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: counts, withIntermediateDirectories: true)
        let r = try CLI.run(args, in: dir, env: ["LD_PRELOAD": probe, "TICKETRUSH_ALLOC_PROBE": counts.path])
        var result: [String: Int] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: counts.path) {
            let text = try String(contentsOf: counts.appendingPathComponent(name), encoding: .utf8)
            result[name] = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
        return (r.status, r.stdout + r.stderr, result)
    }

    func testBuyersAllocateNothingAfterTheBarrier() throws {
        let dir = try CLI.temporaryFolder(self)
        let probe = try buildProbe(in: dir)
        // (name, lock, storage, extra): every lock mode, both write modes, every scope, wants > 1, a stall.
        let cases: [(String, String, String, String)] = [
            ("none-inplace", "none", "{write: in-place}", ""),
            ("none-atomic", "none", "{write: atomic}", ""),
            ("flock-purchase", "{mode: flock, scope: purchase}", "{write: in-place}", ""),
            ("flock-task", "{mode: flock, scope: task}", "{write: atomic}", ""),
            ("fcntl-write", "{mode: fcntl, scope: write}", "{write: in-place}", ""),
            ("mutex", "{mode: mutex, scope: task}", "{write: atomic}", ""),
            ("optimistic", "{mode: optimistic, scope: purchase}", "{write: atomic}", ""),
            ("optimistic-task", "{mode: optimistic, scope: task}", "{write: in-place}", ""),
            ("semaphore", "semaphore", "{write: in-place}", ""),
            ("lockfile", "lockfile", "{write: atomic}", ""),
            ("stall", "flock", "{write: atomic}", "faults:\n  - stall: {buyers: [2], at: lock.acquired, for: 50ms}\n"),
            // Controlled schedules (2 schedules × 4 buyers): gates, try-locks, no delays.
            ("controlled-flock", "{mode: flock, scope: purchase}", "{write: in-place}", "schedule: {strategy: random, runs: 2, shrink: 0}\n"),
            ("controlled-optimistic", "{mode: optimistic, scope: purchase}", "{write: atomic}", "schedule: {strategy: random, runs: 2, shrink: 0}\n"),
            ("controlled-lockfile", "lockfile", "{write: in-place}", "schedule: {strategy: random, runs: 2, shrink: 0}\n"),
        ]
        var buyersSeen = 0
        for (name, lock, storage, extra) in cases {
            let file = try CLI.write("""
                name: \(name)
                tickets: 3
                buyers: {count: 4, wants: 2}
                delays: {search: 1ms, write: 1ms, truncate: 1ms, start: {uniform: [0, 1ms]}}
                storage: \(storage)
                lock: \(lock)
                \(extra)trials: 2
                seed: 7
                invariants: [all-finished]

                """, to: "\(name).yaml", in: dir)
            let (status, output, counts) = try runProbed(
                ["run", file, "--reports", dir.appendingPathComponent("r-\(name)").path,
                 "--work", dir.appendingPathComponent("w-\(name)").path], probe: probe, dir: dir)
            XCTAssertEqual(status, 0, "\(name): \(output)")
            XCTAssertEqual(counts.count, 8, "\(name): every buyer of 2 trials × 4 reports its count: \(counts)")
            let allocating = counts.filter { $0.value != 0 }
            XCTAssertTrue(allocating.isEmpty, "\(name): buyers allocated after the barrier (pid: calls): \(allocating.sorted { $0.key < $1.key })")
            buyersSeen += counts.count
        }
        XCTAssertEqual(buyersSeen, cases.count * 8)
    }

    /// Workload buyers on the JSON document (docs/workloads.md): the document's buffers are
    /// made before the barrier, so reading, parsing, formatting and writing it allocate nothing.
    func testWorkloadBuyersAllocateNothingAfterTheBarrier() throws {
        let dir = try CLI.temporaryFolder(self)
        let probe = try buildProbe(in: dir)
        let cases: [(String, String, String, String)] = [
            ("seats-none", "{kind: seats, seats: 3, wants: 2}", "none", "{write: in-place}"),
            ("limit-flock", "{kind: limit, sections: 2, limit: 2, customers: 2}", "flock", "{write: atomic}"),
            ("rows-fcntl", "{kind: rows, capacity: 5}", "{mode: fcntl, scope: write}", "{write: in-place}"),
            ("controlled-seats", "{kind: seats, seats: 2, wants: 2}", "flock", "{write: atomic}\nschedule: {strategy: random, runs: 2, shrink: 0}"),
        ]
        for (name, workload, lock, storage) in cases {
            let file = try CLI.write("""
                name: \(name)
                workload: \(workload)
                buyers: {count: 4, wants: 2}
                delays: {write: 1ms, truncate: 1ms, start: {uniform: [0, 1ms]}}
                storage: \(storage)
                lock: \(lock)
                trials: 2
                seed: 7
                invariants: [all-finished]

                """, to: "\(name).yaml", in: dir)
            let (status, output, counts) = try runProbed(
                ["run", file, "--reports", dir.appendingPathComponent("r-\(name)").path,
                 "--work", dir.appendingPathComponent("w-\(name)").path], probe: probe, dir: dir)
            XCTAssertEqual(status, 0, "\(name): \(output)")
            XCTAssertEqual(counts.count, 8, "\(name): every buyer of 2 trials × 4 reports its count: \(counts)")
            let allocating = counts.filter { $0.value != 0 }
            XCTAssertTrue(allocating.isEmpty, "\(name): buyers allocated after the barrier (pid: calls): \(allocating.sorted { $0.key < $1.key })")
        }
    }

    /// From 64 buyers helpers fork them (HelperForkers): their buyers' path after the barrier
    /// (the death signal set and getppid checked there) allocates nothing either.
    func testHelperForkedBuyersAllocateNothingAfterTheBarrier() throws {
        let dir = try CLI.temporaryFolder(self)
        let probe = try buildProbe(in: dir)
        let file = try CLI.write("""
            name: helpers
            tickets: 40
            buyers: {count: 64, wants: 1}
            delays: {search: 1ms, write: 1ms, start: {uniform: [0, 1ms]}}
            lock: {mode: flock, scope: purchase}
            trials: 1
            seed: 7
            invariants: [all-finished]

            """, to: "helpers.yaml", in: dir)
        let (status, output, counts) = try runProbed(
            ["run", file, "--reports", dir.appendingPathComponent("r").path, "--work", dir.appendingPathComponent("w").path],
            probe: probe, dir: dir)
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(counts.count, 64, "every buyer reports its count: \(counts)")
        let allocating = counts.filter { $0.value != 0 }
        XCTAssertTrue(allocating.isEmpty, "buyers allocated after the barrier (pid: calls): \(allocating.sorted { $0.key < $1.key })")
    }
}
