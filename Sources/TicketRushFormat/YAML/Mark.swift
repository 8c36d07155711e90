//
//  Mark.swift
//  Yams
//
//  Created by Norio Nomura on 4/11/17.
//  Copyright (c) 2017 Yams. All rights reserved.
//

/// The pointer position.
package struct Mark: Sendable {
    /// Line number starting from 1.
    package let line: Int
    /// Column number starting from 1. libYAML counts columns in `UnicodeScalar`.
    package let column: Int
}

// MARK: - CustomStringConvertible Conformance

extension Mark: CustomStringConvertible {
    /// A textual representation of this instance.
    package var description: String { return "\(line):\(column)" }
}
