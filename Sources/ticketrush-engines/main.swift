import TicketRushCLI

// The same tool linked against a dynamic glibc, so buyers can dlopen libsqlite3, libpq and
// hiredis, which a fully static executable cannot do safely (benchmarks/README.md).
TicketRush.main()
