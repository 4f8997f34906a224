/// xoshiro256** (Blackman & Vigna, "Scrambled Linear Pseudorandom Number Generators",
/// ACM TOMS 2021): 256-bit state, period 2²⁵⁶ − 1, passes BigCrush. Seeded through
/// SplitMix64 as its authors recommend.
package struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64

    /// A generator whose state is filled from SplitMix64(`seed`).
    package init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s0 = sm.next()
        s1 = sm.next()
        s2 = sm.next()
        s3 = sm.next()
    }

    /// A generator with an explicit state (not all zero), for reference vectors.
    package init(state: (UInt64, UInt64, UInt64, UInt64)) {
        (s0, s1, s2, s3) = state
    }

    @inlinable
    package mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inlinable
    func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform double in the open interval (0, 1): 53 random bits, never 0 (safe for `log`).
    @inlinable
    package mutating func nextUnit() -> Double {
        (Double(next() >> 11) + 0.5) * (1.0 / 9_007_199_254_740_992.0)
    }
}

/// Independent, named random streams derived from one seed.
///
/// Each component (arrivals, service times, outages, …) draws from its own stream whose
/// state depends only on the seed and the stream's name (FNV-1a hash), so adding a
/// component or drawing more numbers in one never shifts another's numbers.
package struct RandomStreams: Sendable {
    package let seed: UInt64

    package init(seed: UInt64) { self.seed = seed }

    /// The stream called `name`.
    package func stream(_ name: String) -> Xoshiro256StarStar {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return Xoshiro256StarStar(seed: seed ^ hash)
    }

    /// The `index`-th stream of a family (e.g. one per replica).
    package func stream(_ name: String, index: Int) -> Xoshiro256StarStar {
        stream(name + "#" + String(index))
    }
}

/// SplitMix64 (Steele, Lea & Flood, "Fast Splittable Pseudorandom Number Generators",
/// OOPSLA 2014): a tiny, well-mixed generator used to make reproducible weights.
package struct SplitMix64: RandomNumberGenerator, Sendable {
    @usableFromInline var state: UInt64

    package init(seed: UInt64) { state = seed }

    @inlinable
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform float in [-1, 1).
    @inlinable
    package mutating func nextSymmetricUnit() -> Float {
        Float(Int32(truncatingIfNeeded: next() >> 32)) * (1.0 / 2_147_483_648.0)
    }
}
