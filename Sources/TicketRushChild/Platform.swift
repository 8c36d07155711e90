// The buyer rests on Linux: fork with /proc/self/task checked, F_OFD_SETLKW, robust
// process-shared mutexes, PR_SET_PDEATHSIG. Say so at build time rather than misbehave.
#if !os(Linux)
#error("ticketrush runs on Linux only (fork, /proc, OFD locks, robust mutexes)")
#endif
