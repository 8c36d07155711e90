import TicketRushModel

/// One planned cell of a run, as its reports need it: the scenario itself, the seed its
/// trial seeds derive from, and the trials planned. Stored as `RunRecord.Cell`.
package struct CellRecord: Sendable, Equatable {
    package var scenario: Scenario
    /// The scenario seed every trial seed of this run derives from.
    package var seed: UInt64
    /// Trials planned (the maximum under a stopping rule).
    package var trials: Int
    /// Why the cell did not run (its engine is not installed: what to install), or nil.
    package var skipped: String?

    package init(_ scenario: Scenario, seed: UInt64, trials: Int) {
        var s = scenario
        s.seed = seed
        self.scenario = s
        self.seed = seed
        self.trials = trials
    }

    /// The cell's full name (`NAME[…]` or the plain scenario's name).
    package var name: String { scenario.name }
    /// The scenario's own name, without the cell.
    package var baseName: String { scenario.cell?.baseName ?? scenario.name }
    /// Swept key paths and this cell's values, or nil for a plain scenario.
    package var parameters: [SweepCell.Parameter]? { scenario.cell?.parameters }
    package var file: String? { scenario.origin?.path }
}
