import ArgumentParser
import TicketRushModel
import TicketRushFormat
import TicketRushChild
import TicketRushChecks
import TicketRushRunner
import TicketRushReports

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema (draft 2020-12) of scenario files.",
        discussion: "Generated from the definitions the loader uses; schema/scenario.schema.json is this output.")

    func run() throws {
        print(JSONSchemaGenerator.text(), terminator: "")
    }
}
