import Foundation

/// A check run on user YAML (workload and pricing files) before it is composed: YAML aliases
/// (`*name`) are refused. An alias repeats its anchor's whole subtree, and aliases of aliases
/// used as mapping keys make Yams hash an exponentially large tree (a 459-byte file ran for
/// minutes); these files never need them. Anchors alone are harmless and pass.
package enum YAMLGuard {
    /// The first alias outside quotes, comments and block scalars: its line (1-based) and name.
    package static func firstAlias(in text: String) -> (line: Int, name: String)? {
        var line = 1
        var blockIndent: Int?  // inside a block scalar (| or >) whose parent line had this indent
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            defer { line += 1 }
            let indent = raw.prefix { $0 == " " }.count
            if let b = blockIndent {
                if raw.allSatisfy({ $0 == " " || $0 == "\r" }) || indent > b { continue }
                blockIndent = nil
            }
            var quote: Character?
            var previous: Character = " "
            var chars = Array(raw)
            if chars.last == "\r" { chars.removeLast() }
            var k = 0
            while k < chars.count {
                let c = chars[k]
                if let q = quote {
                    if c == "\\" && q == "\"" {
                        k += 2
                        continue
                    }
                    if c == q {
                        if q == "'" && k + 1 < chars.count && chars[k + 1] == "'" {
                            k += 2
                            continue
                        }
                        quote = nil
                    }
                } else if c == "#" && (previous == " " || previous == "\t" || k == 0) {
                    break
                } else if (c == "\"" || c == "'") && " \t[{,:?-".contains(previous) {
                    quote = c
                } else if c == "*" && " \t[{,:?-".contains(previous) {
                    let name = chars[(k + 1)...].prefix { !" \t,[]{}".contains($0) }
                    if !name.isEmpty { return (line, String(name)) }
                }
                previous = c
                k += 1
            }
            // A value of `|` or `>` (with optional indicators) starts a block scalar.
            let trimmed = String(chars).trimmingCharacters(in: .whitespaces)
            if quote == nil,
                trimmed.range(of: #"(:|^-|\s-)\s+[|>][0-9+-]*$"#, options: .regularExpression) != nil
                    || trimmed.range(of: #"^[|>][0-9+-]*$"#, options: .regularExpression) != nil
            {
                blockIndent = indent
            }
        }
        return nil
    }

    /// Refuses `text` when it holds an alias.
    ///
    /// - Returns: a message naming the line and the alias, or nil when there is none.
    package static func aliasProblem(in text: String, source: String) -> String? {
        guard let a = firstAlias(in: text) else { return nil }
        return
            "\(source):\(a.line): YAML alias '*\(a.name)' is not accepted in this file (aliases can expand exponentially); write the value out"
    }
}
