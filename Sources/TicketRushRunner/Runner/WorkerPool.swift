#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import Foundation
import TicketRushModel
import TicketRushChild
import TicketRushChecks

/// `--jobs J`: J forked worker processes, each running every J-th unit with its own
/// `UnitExecutor` and sending records back over its own pipe as length-prefixed JSON.
/// Processes, not threads: a worker forks buyers, which is only safe single-threaded, and
/// the runner forks the workers while it is still single-threaded itself.
public enum WorkerPool {
    /// Runs `units` on `jobs` workers; `received` sees each record as it arrives.
    public static func run(_ units: [RunPlan.Unit], jobs: Int, executor: UnitExecutor,
                           received: (TrialRecord) -> Void) throws -> [TrialRecord] {
        try ThreadCheck.requireSingleThreaded()
        var readEnds: [Int32] = []
        var pids: [pid_t] = []
        for job in 0..<jobs {
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0 else { throw RunnerError.system(SystemError(call: "pipe", code: errno)) }
            let pid = fork()
            if pid == 0 {
                for fd in readEnds { close(fd) }
                close(fds[0])
                work(units.enumerated().filter { $0.offset % jobs == job }.map(\.element), executor: executor, fd: fds[1])
            }
            close(fds[1])
            if pid < 0 {
                close(fds[0])
                for p in pids { kill(p, SIGTERM) }
                throw RunnerError.system(SystemError(call: "fork (worker \(job + 1))", code: errno))
            }
            readEnds.append(fds[0])
            pids.append(pid)
        }
        var records: [TrialRecord] = []
        var failures: [String] = []
        var buffers = [[UInt8]](repeating: [], count: jobs)
        var open = Set(0..<jobs)
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var forwarded = false
        while !open.isEmpty {
            // A signal to the runner alone (not its process group) must still stop the workers.
            if !forwarded, tr_interrupted() != 0 {
                for pid in pids { kill(pid, SIGINT) }
                forwarded = true
            }
            var pfds = open.sorted().map { pollfd(fd: readEnds[$0], events: Int16(POLLIN), revents: 0) }
            let ready = poll(&pfds, nfds_t(pfds.count), 1000)
            if ready < 0 && errno != EINTR { break }
            for (slot, job) in open.sorted().enumerated() where pfds[slot].revents != 0 {
                let n = chunk.withUnsafeMutableBytes { read(readEnds[job], $0.baseAddress!, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { open.remove(job); continue }
                buffers[job] += chunk[0..<n]
                while let (kind, body) = nextFrame(&buffers[job]) {
                    if kind == UInt8(ascii: "R"), let record = try? JSONDecoder().decode(TrialRecord.self, from: Data(body)) {
                        records.append(record)
                        received(record)
                    } else {
                        failures.append(String(decoding: body, as: UTF8.self))
                    }
                }
            }
        }
        for fd in readEnds { close(fd) }
        var interrupted: Int32 = 0
        for (job, pid) in pids.enumerated() {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            let signal = status & 0x7f, code = (status >> 8) & 0xff
            if signal == 0 && code == 130 { interrupted = SIGINT }
            // A worker that died without saying why lost its trials: never report a partial run as whole.
            if failures.isEmpty && (signal != 0 || (code != 0 && code != 130)) {
                failures.append("worker \(job + 1) " + (signal != 0 ? "was killed by signal \(signal)" : "exited \(code)"))
            }
        }
        if tr_interrupted() != 0 || interrupted != 0 { throw RunnerError.interrupted(signal: tr_interrupted() != 0 ? tr_interrupted() : interrupted) }
        if let first = failures.first { throw RunnerError.workerFailed(first) }
        return records
    }

    /// The worker: runs its units, sends each record, exits (never returns).
    private static func work(_ units: [RunPlan.Unit], executor: UnitExecutor, fd: Int32) -> Never {
        var executor = executor
        var code: Int32 = 0
        do {
            for unit in units {
                try executor.run(unit) { record in
                    send(fd, kind: "R", Array(try JSONEncoder().encode(record)))
                }
            }
        } catch RunnerError.interrupted {
            code = 130
        } catch {
            send(fd, kind: "E", Array("\(error)".utf8))
            code = 3
        }
        fflush(nil)
        _exit(code)
    }

    /// One frame: kind byte, 4-byte little-endian length, body.
    private static func send(_ fd: Int32, kind: Character, _ body: [UInt8]) {
        var frame: [UInt8] = [kind.asciiValue!]
        withUnsafeBytes(of: UInt32(body.count).littleEndian) { frame += $0 }
        frame += body
        var offset = 0
        while offset < frame.count {
            let n = frame.withUnsafeBytes { write(fd, $0.baseAddress! + offset, frame.count - offset) }
            if n < 0 { if errno == EINTR { continue } else { return } }
            offset += n
        }
    }

    private static func nextFrame(_ buffer: inout [UInt8]) -> (UInt8, [UInt8])? {
        guard buffer.count >= 5 else { return nil }
        let length = Int(buffer[1]) | Int(buffer[2]) << 8 | Int(buffer[3]) << 16 | Int(buffer[4]) << 24
        guard buffer.count >= 5 + length else { return nil }
        let frame = (buffer[0], Array(buffer[5..<(5 + length)]))
        buffer.removeFirst(5 + length)
        return frame
    }
}
