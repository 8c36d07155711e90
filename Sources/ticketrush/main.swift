import TicketRushCLI

// The fast binary: fully static in release (Package.swift). A run whose scenarios need a
// database client hands itself to ticketrush-engines (ClientLibraries.swift, continueInEnginesIfNeeded).
TicketRush.main()
