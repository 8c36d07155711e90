//
//  Emitter.swift
//  Yams
//
//  Created by Norio Nomura on 12/28/16.
//  Copyright (c) 2016 Yams. All rights reserved.
//
//  Trimmed for TicketRushFormat (Sources/CYaml/README.md): one node, the options ScenarioYAML
//  sets (width, allowUnicode), UTF-8 bytes instead of Foundation's Data.

internal import CYaml

/// Produce a YAML string from a `Node`.
///
/// - parameter width: Set the preferred line width. @c -1 means unlimited.
/// - parameter allowUnicode: Set if unescaped non-ASCII characters are allowed if true.
///
/// - throws: `YamlError`.
package func serialize(node: Node, width: Int = 0, allowUnicode: Bool = false) throws -> String {
    let emitter = Emitter(width: width, allowUnicode: allowUnicode)
    try emitter.open()
    try emitter.serialize(node: node)
    try emitter.close()
    return String(decoding: emitter.data, as: UTF8.self)
}

/// Class responsible for emitting libYAML events.
package final class Emitter {
    /// What libyaml wrote so far.
    package private(set) var data: [UInt8] = []

    init(width: Int, allowUnicode: Bool) {
        yaml_emitter_initialize(&emitter)
        yaml_emitter_set_output(&self.emitter, { pointer, buffer, size in
            guard let buffer = buffer else { return 0 }
            let emitter = unsafeBitCast(pointer, to: Emitter.self)
            emitter.data.append(contentsOf: UnsafeBufferPointer(start: buffer, count: size))
            return 1
        }, unsafeBitCast(self, to: UnsafeMutableRawPointer.self))
        yaml_emitter_set_canonical(&emitter, 0)
        yaml_emitter_set_indent(&emitter, 0)
        yaml_emitter_set_width(&emitter, Int32(width))
        yaml_emitter_set_unicode(&emitter, allowUnicode ? 1 : 0)
        yaml_emitter_set_break(&emitter, YAML_LN_BREAK)
        yaml_emitter_set_encoding(&emitter, YAML_UTF8_ENCODING)
    }

    deinit {
        yaml_emitter_delete(&emitter)
    }

    /// Open & initialize the emitter.
    func open() throws {
        var event = yaml_event_t()
        yaml_stream_start_event_initialize(&event, YAML_UTF8_ENCODING)
        try emit(&event)
    }

    /// Close the `Emitter.`
    func close() throws {
        var event = yaml_event_t()
        yaml_stream_end_event_initialize(&event)
        try emit(&event)
    }

    /// One document: implicit start and end, as Yams writes it by default.
    func serialize(node: Node) throws {
        var event = yaml_event_t()
        yaml_document_start_event_initialize(&event, nil, nil, nil, 1)
        try emit(&event)
        try serializeNode(node)
        yaml_document_end_event_initialize(&event, 1)
        try emit(&event)
    }

    private var emitter = yaml_emitter_t()
}

// MARK: Implementation Details

extension Emitter {
    private func emit(_ event: UnsafeMutablePointer<yaml_event_t>) throws {
        guard yaml_emitter_emit(&emitter, event) == 1 else {
            throw YamlError(from: emitter)
        }
    }

    private func serializeNode(_ node: Node) throws {
        switch node {
        case .scalar(let scalar): try serializeScalar(scalar)
        case .sequence(let sequence): try serializeSequence(sequence)
        case .mapping(let mapping): try serializeMapping(mapping)
        case .alias(let alias): try serializeAlias(alias)
        }
    }

    private func serializeAlias(_ alias: Node.Alias) throws {
        var event = yaml_event_t()
        let anchor = alias.anchor.rawValue
        yaml_alias_event_initialize(&event,
                                    anchor)
        try emit(&event)
    }

    private func serializeScalar(_ scalar: Node.Scalar) throws {
        var value = scalar.string.utf8CString, tag = scalar.resolvedTag.name.rawValue.utf8CString
        let scalarStyle = yaml_scalar_style_t(rawValue: numericCast(scalar.style.rawValue))
        var event = yaml_event_t()
        _ = value.withUnsafeMutableBytes { value in
            tag.withUnsafeMutableBytes { tag in
                yaml_scalar_event_initialize(
                    &event,
                    scalar.anchor?.rawValue,
                    tag.baseAddress?.assumingMemoryBound(to: UInt8.self),
                    value.baseAddress?.assumingMemoryBound(to: UInt8.self),
                    Int32(value.count - 1),
                    1,
                    1,
                    scalarStyle)
            }
        }
        try emit(&event)
    }

    private func serializeSequence(_ sequence: Node.Sequence) throws {
        var tag = sequence.resolvedTag.name.rawValue.utf8CString
        let implicit: Int32 = sequence.tag.name == .seq ? 1 : 0
        let sequenceStyle = yaml_sequence_style_t(rawValue: numericCast(sequence.style.rawValue))
        var event = yaml_event_t()
        _ = tag.withUnsafeMutableBytes { tag in
            yaml_sequence_start_event_initialize(
                &event,
                sequence.anchor?.rawValue,
                tag.baseAddress?.assumingMemoryBound(to: UInt8.self),
                implicit,
                sequenceStyle)
        }
        try emit(&event)
        try sequence.forEach(self.serializeNode)
        yaml_sequence_end_event_initialize(&event)
        try emit(&event)
    }

    private func serializeMapping(_ mapping: Node.Mapping) throws {
        var tag = mapping.resolvedTag.name.rawValue.utf8CString
        let implicit: Int32 = mapping.tag.name == .map ? 1 : 0
        let mappingStyle = yaml_mapping_style_t(rawValue: numericCast(mapping.style.rawValue))
        var event = yaml_event_t()
        _ = tag.withUnsafeMutableBytes { tag in
            yaml_mapping_start_event_initialize(
                &event,
                mapping.anchor?.rawValue,
                tag.baseAddress?.assumingMemoryBound(to: UInt8.self),
                implicit,
                mappingStyle)
        }
        try emit(&event)
        try mapping.forEach {
            try self.serializeNode($0.key)
            try self.serializeNode($0.value)
        }
        yaml_mapping_end_event_initialize(&event)
        try emit(&event)
    }
}

// swiftlint:disable:this file_length
