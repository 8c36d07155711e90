//
//  Node.swift
//  Yams
//
//  Created by Norio Nomura on 12/15/16.
//  Copyright (c) 2016 Yams. All rights reserved.
//


/// YAML Node.
package enum Node: Hashable {
    /// Scalar node.
    case scalar(Scalar)
    /// Mapping node.
    case mapping(Mapping)
    /// Sequence node.
    case sequence(Sequence)
    /// Alias node.
    case alias(Alias)
}

extension Node {
    /// Create a `Node.scalar` with a string, tag & scalar style.
    ///
    /// - parameter string: String value for this node.
    /// - parameter tag:    Tag for this node.
    /// - parameter style:  Style to use when emitting this node.
    package init(_ string: String,
                _ tag: Tag = .implicit,
                _ style: Scalar.Style = .any,
                _ anchor: Anchor? = nil) {
        self = .scalar(.init(string, tag, style, nil, anchor))
    }

    /// Create a `Node.mapping` with a sequence of node pairs, tag & scalar style.
    ///
    /// - parameter pairs:  Pairs of nodes to use for this node.
    /// - parameter tag:    Tag for this node.
    /// - parameter style:  Style to use when emitting this node.
    package init(_ pairs: [(Node, Node)],
                _ tag: Tag = .implicit,
                _ style: Mapping.Style = .any,
                _ anchor: Anchor? = nil) {
        self = .mapping(.init(pairs, tag, style, nil, anchor))
    }

    /// Create a `Node.sequence` with a sequence of nodes, tag & scalar style.
    ///
    /// - parameter nodes:  Sequence of nodes to use for this node.
    /// - parameter tag:    Tag for this node.
    /// - parameter style:  Style to use when emitting this node.
    package init(_ nodes: [Node],
                _ tag: Tag = .implicit,
                _ style: Sequence.Style = .any,
                _ anchor: Anchor? = nil) {
        self = .sequence(.init(nodes, tag, style, nil, anchor))
    }
}

// MARK: - Public Node Members

extension Node {
    /// The tag for this node.
    ///
    /// - note: Accessing this property causes the tag to be resolved by tag.resolver.
    package var tag: Tag {
        switch self {
        case let .scalar(scalar): return scalar.resolvedTag
        case let .mapping(mapping): return mapping.resolvedTag
        case let .sequence(sequence): return sequence.resolvedTag
        case let .alias(alias): return alias.resolvedTag
        }
    }

    /// The location for this node.
    package var mark: Mark? {
        switch self {
        case let .scalar(scalar): return scalar.mark
        case let .mapping(mapping): return mapping.mark
        case let .sequence(sequence): return sequence.mark
        case let .alias(alias): return alias.mark
        }
    }

    /// The anchor for this node.
    package var anchor: Anchor? {
        switch self {
        case let .scalar(scalar): return scalar.anchor
        case let .mapping(mapping): return mapping.anchor
        case let .sequence(sequence): return sequence.anchor
        case let .alias(alias): return alias.anchor
        }
    }

    // MARK: - Typed accessor properties

    /// This node as a `String`, if convertible.
    package var string: String? {
        return String.construct(from: self)
    }

    /// This node as a `Double`, if convertible.
    package var float: Double? {
        return scalar.flatMap(Double.construct)
    }

    /// This node as an `Int`, if convertible.
    package var int: Int? {
        return scalar.flatMap(Int.construct)
    }

    // MARK: Typed accessor methods

    /// Returns this node mapped as an `Array<Node>`. If the node isn't a `Node.sequence`, the array will be
    /// empty.
    package func array() -> [Node] {
        return sequence.map(Array.init) ?? []
    }


    /// If the node is a `.sequence` or `.mapping`, set or get the specified `Node`.
    /// If the node is a `.scalar`, this is a no-op.
    package subscript(node: Node) -> Node? {
        get {
            switch self {
            case .scalar, .alias: return nil
            case let .mapping(mapping):
                return mapping[node]
            case let .sequence(sequence):
                guard let index = node.int, sequence.indices ~= index else { return nil }
                return sequence[index]
            }
        }
        set {
            guard let newValue = newValue else { return }
            switch self {
            case .scalar, .alias: return
            case .mapping(var mapping):
                mapping[node] = newValue
                self = .mapping(mapping)
            case .sequence(var sequence):
                guard let index = node.int, sequence.indices ~= index else { return}
                sequence[index] = newValue
                self = .sequence(sequence)
            }
        }
    }


    /// If the node is a `.sequence` or `.mapping`, set or get the specified string's `Node` representation.
    /// If the node is a `.scalar`, this is a no-op.
    package subscript(string: String) -> Node? {
        get {
            return self[Node(string, tag.copy(with: .implicit))]
        }
        set {
            self[Node(string, tag.copy(with: .implicit))] = newValue
        }
    }
}

// MARK: Comparable

extension Node: Comparable {
    /// Returns true if `lhs` is ordered before `rhs`.
    ///
    /// - parameter lhs: The left hand side Node to compare.
    /// - parameter rhs: The right hand side Node to compare.
    ///
    /// - returns: True if `lhs` is ordered before `rhs`.
    package static func < (lhs: Node, rhs: Node) -> Bool {
        switch (lhs, rhs) {
        case let (.scalar(lhs), .scalar(rhs)):
            return lhs < rhs
        case let (.mapping(lhs), .mapping(rhs)):
            return lhs < rhs
        case let (.sequence(lhs), .sequence(rhs)):
            return lhs < rhs
        default:
            return false
        }
    }
}

extension Array where Element: Comparable {
    static func < (lhs: Array, rhs: Array) -> Bool {
        for (lhs, rhs) in zip(lhs, rhs) {
            if lhs < rhs {
                return true
            } else if lhs > rhs {
                return false
            }
        }
        return lhs.count < rhs.count
    }
}

// MARK: - ExpressibleBy*Literal

extension Node: ExpressibleByArrayLiteral {
    /// Create a `Node.sequence` from an array literal of `Node`s.
    package init(arrayLiteral elements: Node...) {
        self = .sequence(.init(elements))
    }

    /// Create a `Node.sequence` from an array literal of `Node`s and a default `Style` to use for the array literal
    package init(arrayLiteral elements: Node..., style: Sequence.Style) {
        self = .sequence(.init(elements, .implicit, style))
    }
}

extension Node: ExpressibleByDictionaryLiteral {
    /// Create a `Node.mapping` from a dictionary literal of `Node`s.
    package init(dictionaryLiteral elements: (Node, Node)...) {
        self = Node(elements)
    }

    /// Create a `Node.mapping` from a dictionary literal of `Node`s and a default `Style` to use for the dictionary
    /// literal.
    package init(dictionaryLiteral elements: (Node, Node)..., style: Mapping.Style) {
        self = Node(elements, .implicit, style)
    }
}

extension Node: ExpressibleByFloatLiteral {
    /// Create a `Node.scalar` from a float literal.
    package init(floatLiteral value: Double) {
        self.init(String(value), Tag(.float))
    }
}

extension Node: ExpressibleByIntegerLiteral {
    /// Create a `Node.scalar` from an integer literal.
    package init(integerLiteral value: Int) {
        self.init(String(value), Tag(.int))
    }
}

extension Node: ExpressibleByStringLiteral {
    /// Create a `Node.scalar` from a string literal.
    package init(stringLiteral value: String) {
        self.init(value)
    }
}

// MARK: - internal

extension Node {
    // MARK: Internal convenience accessors

    var isScalar: Bool {
        if case .scalar = self {
            return true
        }
        return false
    }

    var isMapping: Bool {
        if case .mapping = self {
            return true
        }
        return false
    }

    var isSequence: Bool {
        if case .sequence = self {
            return true
        }
        return false
    }

    func setting(anchor: Anchor) -> Self {
        switch self {
        case var .mapping(mapping):
            mapping.anchor = anchor
            return .mapping(mapping)
        case var .sequence(sequence):
            sequence.anchor = anchor
            return .sequence(sequence)
        case var .scalar(scalar):
            scalar.anchor = anchor
            return .scalar(scalar)
        case var .alias(alias):
            alias.anchor = anchor
            return .alias(alias)
        }
    }

    func setting(tag: Tag) -> Self {
        switch self {
        case var .mapping(mapping):
            mapping.tag = tag
            return .mapping(mapping)
        case var .sequence(sequence):
            sequence.tag = tag
            return .sequence(sequence)
        case var .scalar(scalar):
            scalar.tag = tag
            return .scalar(scalar)
        case var .alias(alias):
            alias.tag = tag
            return .alias(alias)
        }
    }
}
