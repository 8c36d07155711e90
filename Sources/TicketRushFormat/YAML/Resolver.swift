//
//  Resolver.swift
//  Yams
//
//  Created by Norio Nomura on 12/15/16.
//  Copyright (c) 2016 Yams. All rights reserved.
//
//  Rewritten for TicketRushFormat (Sources/CYaml/README.md): Yams's default YAML 1.1 rules,
//  each regex spelled as a small pattern over bytes instead of NSRegularExpression (which
//  links ICU, 37 MB of every static binary). YAMLResolverTests holds the equivalence.

/// Class used to resolve nodes to tags based on customizable rules.
package final class Resolver: Sendable {
    /// Rule describing how to resolve tags from patterns.
    package struct Rule: Sendable {
        /// The tag name this rule applies to.
        package let tag: Tag.Name
        fileprivate let pattern: Pattern
    }

    /// The rules used by this resolver to resolve nodes to tags.
    package let rules: [Rule]

    internal init(_ rules: [Rule] = []) { self.rules = rules }

    /// Resolve a tag name from a given node.
    package func resolveTag(of node: Node) -> Tag.Name {
        switch node {
        case let .scalar(scalar):
            return resolveTag(of: scalar)
        case let .mapping(mapping):
            return resolveTag(of: mapping)
        case let .sequence(sequence):
            return resolveTag(of: sequence)
        case let .alias(alias):
            return resolveTag(of: alias)
        }
    }

    func resolveTag<T>(of value: T) -> Tag.Name where T: TagResolvable {
        return value.resolveTag(using: self)
    }

    package func resolveTag(from string: String) -> Tag.Name {
        let bytes = Array(string.utf8)
        for rule in rules where rule.pattern.matchesAnchored(bytes) {
            return rule.tag
        }
        return .str
    }
}

// MARK: Defaults

extension Resolver {
    /// Resolver with no rules.
    package static let basic = Resolver()
    /// Resolver with a default set of rules.
    package static let `default` = Resolver([.bool, .int, .float, .merge, .null, .timestamp, .value])
}

// MARK: Default Resolver Rules (Yams's regexes in the comments)

extension Resolver.Rule {
    /// ^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$
    package static let bool = Resolver.Rule(tag: .bool, pattern: .words([
        "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
        "on", "On", "ON", "off", "Off", "OFF",
    ]))

    /// ^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+
    ///    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$
    package static let int = Resolver.Rule(tag: .int, pattern: .alt([
        .seq([.sign, .text("0b"), .plus(.set("01_"))]),
        .seq([.sign, .text("0"), .opt(.text("o")), .plus(.set("01234567_"))]),
        .seq([.sign, .alt([.text("0"), .seq([.set("123456789"), .star(.digitOrUnderscore)])])]),
        .seq([.sign, .text("0x"), .plus(.set("0123456789abcdefABCDEF_"))]),
        .seq([.sign, .set("123456789"), .star(.digitOrUnderscore), .plus(.sexagesimalPart)]),
    ]))

    /// ^(?:[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?
    ///    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$
    package static let float = Resolver.Rule(tag: .float, pattern: .alt([
        .seq([.sign, .digit, .star(.digitOrUnderscore), .opt(.seq([.text("."), .star(.digitOrUnderscore)])),
              .opt(.seq([.set("eE"), .sign, .plus(.digit)]))]),
        .seq([.text("."), .plus(.digitOrUnderscore), .opt(.seq([.set("eE"), .set("-+"), .plus(.digit)]))]),
        .seq([.sign, .digit, .star(.digitOrUnderscore), .plus(.sexagesimalPart), .text("."), .star(.digitOrUnderscore)]),
        .seq([.sign, .text("."), .words(["inf", "Inf", "INF"])]),
        .seq([.text("."), .words(["nan", "NaN", "NAN"])]),
    ]))

    /// ^(?:<<)$
    package static let merge = Resolver.Rule(tag: .merge, pattern: .text("<<"))

    /// ^(?:~|null|Null|NULL|)$
    package static let null = Resolver.Rule(tag: .null, pattern: .words(["~", "null", "Null", "NULL", ""]))

    /// ^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?
    ///    (?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
    ///    (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$
    package static let timestamp = Resolver.Rule(tag: .timestamp, pattern: .alt([
        .seq([.digit, .digit, .digit, .digit, .text("-"), .digit, .digit, .text("-"), .digit, .digit]),
        .seq([.digit, .digit, .digit, .digit, .text("-"), .digit, .opt(.digit), .text("-"), .digit, .opt(.digit),
              .alt([.set("Tt"), .plus(.set(" \t"))]), .digit, .opt(.digit),
              .text(":"), .digit, .digit, .text(":"), .digit, .digit, .opt(.seq([.text("."), .star(.digit)])),
              .opt(.seq([.star(.set(" \t")),
                         .alt([.text("Z"), .seq([.set("-+"), .digit, .opt(.digit), .opt(.seq([.text(":"), .digit, .digit]))])])]))]),
    ]))

    /// ^(?:=)$
    package static let value = Resolver.Rule(tag: .value, pattern: .text("="))
}

/// A regular pattern over bytes, matched by following every position at once (no
/// backtracking), so it accepts exactly the strings the regex it spells accepts.
indirect enum Pattern: Sendable {
    case text(String)
    case set(String)
    case words([String])
    case seq([Pattern])
    case alt([Pattern])
    case opt(Pattern)
    case star(Pattern)
    case plus(Pattern)

    static let sign = Pattern.opt(.set("-+"))
    static let digit = Pattern.set("0123456789")
    static let digitOrUnderscore = Pattern.set("0123456789_")
    /// `:[0-5]?[0-9]`
    static let sexagesimalPart = Pattern.seq([.text(":"), .opt(.set("012345")), .digit])

    /// Positions in `bytes` where this pattern can end when it starts at one of `starts`.
    func ends(_ bytes: [UInt8], from starts: Set<Int>) -> Set<Int> {
        switch self {
        case .text(let literal):
            let utf8 = Array(literal.utf8)
            return Set(starts.filter { $0 + utf8.count <= bytes.count && Array(bytes[$0..<($0 + utf8.count)]) == utf8 }.map { $0 + utf8.count })
        case .set(let members):
            let utf8 = Set(members.utf8)
            return Set(starts.filter { $0 < bytes.count && utf8.contains(bytes[$0]) }.map { $0 + 1 })
        case .words(let words):
            return Pattern.alt(words.map(Pattern.text)).ends(bytes, from: starts)
        case .seq(let parts):
            return parts.reduce(starts) { $1.ends(bytes, from: $0) }
        case .alt(let options):
            return options.reduce(into: Set<Int>()) { $0.formUnion($1.ends(bytes, from: starts)) }
        case .opt(let inner):
            return starts.union(inner.ends(bytes, from: starts))
        case .star(let inner):
            var all = starts, frontier = starts
            while !frontier.isEmpty {
                frontier = inner.ends(bytes, from: frontier).subtracting(all)
                all.formUnion(frontier)
            }
            return all
        case .plus(let inner):
            return Pattern.star(inner).ends(bytes, from: inner.ends(bytes, from: starts))
        }
    }

    /// `^(?:pattern)$` as ICU reads it: `$` also matches before one line break ending the text.
    func matchesAnchored(_ bytes: [UInt8]) -> Bool {
        let ends = self.ends(bytes, from: [0])
        if ends.contains(bytes.count) { return true }
        return Pattern.finalLineBreakStart(bytes).map { ends.contains($0) } ?? false
    }

    /// Where a final line terminator (\n, \r, \r\n, U+0085, U+2028, U+2029) starts, if any.
    static func finalLineBreakStart(_ b: [UInt8]) -> Int? {
        let n = b.count
        if n >= 2, b[n - 2] == 0x0D, b[n - 1] == 0x0A { return n - 2 }
        if n >= 1, b[n - 1] == 0x0A || b[n - 1] == 0x0D { return n - 1 }
        if n >= 2, b[n - 2] == 0xC2, b[n - 1] == 0x85 { return n - 2 }
        if n >= 3, b[n - 3] == 0xE2, b[n - 2] == 0x80, b[n - 1] == 0xA8 || b[n - 1] == 0xA9 { return n - 3 }
        return nil
    }
}
