import Foundation
import Testing

@testable import FPGAEmulation

@Suite("Block-floating-point quantizer")
struct QuantizerTests {
    func q(_ name: String, block: Int? = nil, rounding: Rounding = .nearest, _ x: [Float]) throws -> [Float] {
        var f = try NumberFormat.named(name)
        if let block { f = f.withBlockSize(block) }
        return BlockQuantizer(format: f, rounding: rounding).quantized(x)
    }

    // MARK: - microxcaling's mx/tests/test_corners_mx.py

    /// `test_mx_nans`: a block holding NaN or ±Inf becomes all NaN, for fp8_e4m3, fp4_e2m1 and
    /// int4 elements (int4 with an 8-bit scale is our msfp12 element), block = the row of 4.
    @Test("corner: NaN/Inf poison their block", arguments: ["mxfp8-e4m3", "mxfp4-e2m1", "msfp12"])
    func nans(_ name: String) throws {
        for special in [Float.nan, .infinity, -.infinity] {
            let y = try q(name, block: 4, rounding: .zero, [special, 0, 0x1p127, 0])
            let allNaN = y.allSatisfy { $0.isNaN }
            #expect(allNaN, "\(name) \(special): \(y)")
        }
    }

    /// `test_mxfp_rounding`: int4 elements (sign + 3 bits, max 1.75), the row is the block.
    @Test func cornerInt4Rounding() throws {
        #expect(try q("msfp12", block: 4, [-1.0, -1.75, -1.99, 1.99]) == [-1.0, -1.75, -1.75, 1.75])
        #expect(try q("msfp12", block: 4, [1.0, -1.75, -1.99, 1.99]) == [1.0, -1.75, -1.75, 1.75])
    }

    /// `test_mx_hw_test`: int8 elements, 8-bit scale, block 10, round nearest.
    @Test func cornerInt8Hardware() throws {
        let x: [[Float]] = [
            [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
            [1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0],
            [-1.0, -1.0, -1.0, -1.0, -1.0, -2.0, -2.0, -2.0, -2.0, -2.0],
            [1.0, 1.0, 1.0, 1.0, 1.0, -2.0, -2.0, -2.0, -2.0, -2.0],
            [1.015625, 1.0234375, 1.03125, 1.0390625, 1.25, 1.2578125, 1.9375, 1.9453125, 1.984375, 1.9921875],
            [-1.984375, -1.9765625, -1.96875, -1.9609375, -1.9375, -1.9296875, -1.75, -1.7421875, -1.0, -1.9921875],
            [1.99609375, 1.98828125, 0.0, 0.00390625, 0.0078125, 0.01171875, -0.015625, -0.01171875, -0.0078125, -0.00390625],
        ]
        let y: [[Float]] = [
            [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
            [1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0],
            [-1.0, -1.0, -1.0, -1.0, -1.0, -2.0, -2.0, -2.0, -2.0, -2.0],
            [1.0, 1.0, 1.0, 1.0, 1.0, -2.0, -2.0, -2.0, -2.0, -2.0],
            [1.015625, 1.03125, 1.03125, 1.046875, 1.25, 1.265625, 1.9375, 1.953125, 1.984375, 1.984375],
            [-1.984375, -1.984375, -1.96875, -1.96875, -1.9375, -1.9375, -1.75, -1.75, -1.0, -1.984375],
            [1.984375, 1.984375, 0.0, 0.0, 0.015625, 0.015625, -0.015625, -0.015625, -0.015625, 0.0],
        ]
        for (row, expected) in zip(x, y) {
            #expect(try q("mxint8", block: 10, row) == expected)
        }
    }

    // MARK: - Hand-derived cases, one or more per format

    @Test func brainwaveFormats() throws {
        // ms-fp8: 1 fraction bit, max 1.5. max 1 → e = 0: 0.7·2 = 1.4 → 1 → 0.5; 0.3·2 = 0.6 → 1 → 0.5.
        #expect(try q("ms-fp8", [1.0, 0.7, 0.3, -0.26, 0.2]) == [1.0, 0.5, 0.5, -0.5, 0])
        // max 3.5 → e = 1: 1.75 → ·2 = 3.5 → 4 → 2.0 → saturates at 1.5 → 3.0.
        #expect(try q("ms-fp8", [3.5, 1, 0.2]) == [3.0, 1.0, 0])
        // ms-fp9: 2 fraction bits, max 1.75: 1.3 → 5.2 → 5 → 1.25; 0.6 → 2.4 → 2 → 0.5; −0.875 → −3.5 → ties away → −1.
        #expect(try q("ms-fp9", [1.3, 0.6, -0.875]) == [1.25, 0.5, -1.0])
        // 5-bit scale: exponents above 15 overflow → NaN; below −15 clamp (tiny values flush to 0).
        let overflow = try q("ms-fp8", [0x1p20, 1])
        #expect(overflow.allSatisfy { $0.isNaN })
        #expect(try q("ms-fp8", [0x1p-30, 0x1p-31]) == [0, 0])
    }

    @Test func msfpFormats() throws {
        // msfp12: sign + 3 bits (2 fraction bits after the leading one), block 16.
        #expect(try q("msfp12", [6.0, 2.9, 1.1, -0.4]) == [6.0, 3.0, 1.0, -0.0])
        // max 6 → e = 2: 2.9/4 = 0.725 → ·4 = 2.9 → 3 → 0.75 → 3.0; 1.1/4·4 = 1.1 → 1 → 1.0; −0.4 → −0.4 → 0.
        // msfp16: 6 fraction bits: 1.0078125 = 1 + 2^-7 is half a step → ties away → 1 + 2^-6.
        #expect(try q("msfp16", [1.0078125, 0.5]) == [1.015625, 0.5])
        #expect(try q("msfp16", rounding: .even, [1.0078125, 0.5]) == [1.0, 0.5])
        // Blocks are independent: 16 values at 100, then 16 at 0.001.
        let y = try q("msfp12", Array(repeating: 100, count: 16) + Array(repeating: 0.001, count: 16))
        #expect(y[0] == 96 && abs(y[16] - 0.001) < 0.0003)
        // Scale underflow: 2^-140 → e clamped to −127 → the element rounds to 0.
        #expect(try q("msfp12", [0x1p-140, 0x1p-141]) == [0, 0])
    }

    @Test func mxFloatingElements() throws {
        // E4M3: max 448 (emax 8): 448 → e = 0. 2^-10 is below the smallest normal 2^-6:
        // subnormal step 2^-9, 2^-10 is half a step → nearest 2^-9, even 0, zero 0.
        #expect(try q("mxfp8-e4m3", [448, 1, 0x1p-10]) == [448, 1, 0x1p-9])
        #expect(try q("mxfp8-e4m3", rounding: .even, [448, 1, 0x1p-10]) == [448, 1, 0])
        #expect(try q("mxfp8-e4m3", rounding: .zero, [448, 1, 0x1p-10]) == [448, 1, 0])
        // E5M2: 2 mantissa bits: 3.3 → step 0.5 → 6.6 → 7 → 3.5.
        #expect(try q("mxfp8-e5m2", [57344, 3, 3.3]) == [57344, 3, 3.5])
        // E3M2 (max 28): 5.3 → step 1 → 5.
        #expect(try q("mxfp6-e3m2", [28, 5.3]) == [28, 5])
        // E2M3 (max 7.5): 0.3 is subnormal (min exponent 0), step 1/8 → 2.4 → 2 → 0.25.
        #expect(try q("mxfp6-e2m3", [7.5, 0.3]) == [7.5, 0.25])
        // E2M1 (max 6): 2.5 → ties away 3 / even 2; 0.25 → half of 0.5 → 0.5 / 0 / 0.
        #expect(try q("mxfp4-e2m1", [6, 2.5, 0.25]) == [6, 3, 0.5])
        #expect(try q("mxfp4-e2m1", rounding: .even, [6, 2.5, 0.25]) == [6, 2, 0])
        #expect(try q("mxfp4-e2m1", rounding: .zero, [6, 2.5, 0.25]) == [6, 2, 0])
        // Saturation: max 100 → e = 6 − 2 = 4: 100/16 = 6.25 → 6 → 96; 12/16 = 0.75 → 1.0 → 16.
        #expect(try q("mxfp4-e2m1", [100, 12, -100]) == [96, 16, -96])
    }

    @Test func scalarReferences() throws {
        #expect(try q("bf16", [1 + 0x1p-8]) == [1 + 0x1p-7])
        #expect(try q("bf16", rounding: .even, [1 + 0x1p-8, 1 + 0x1p-8 + 0x1p-7]) == [1, 1 + 0x1p-6])
        #expect(try q("bf16", [Float.greatestFiniteMagnitude]) == [.infinity])
        #expect(try q("fp16", [65504, 65520, 1e-8, 0x1p-24, 1.0 / 3]) == [65504, .infinity, 0, 0x1p-24, Float(Float16(1.0 / 3))])
        let values: [Float] = [0.1, -7.25, 3e5, 1e-3]
        #expect(
            try q("fp16", rounding: .even, values) == values.map { Float(Float16($0)) }, "IEEE round-to-nearest-even is Swift's Float16")
        #expect(try q("fp32", values) == values)
    }

    @Test func unknownFormatListsTheKnownOnes() {
        do {
            _ = try NumberFormat.named("fp7")
            Issue.record("accepted")
        } catch {
            #expect(error.message.contains("msfp12") && error.message.contains("mxfp4-e2m1"))
        }
    }

    @Test func stridedAndColumnBlocksAgree() throws {
        // Column-blocked quantization of [k, columns] equals quantizing each column alone.
        let f = try NumberFormat.named("msfp12")
        let k = 37
        let columns = 5
        var rng = SystemRandomNumberGenerator()
        var m = (0..<(k * columns)).map { _ in Float.random(in: -4...4, using: &rng) }
        var expected = m
        let bq = BlockQuantizer(format: f)
        expected.withUnsafeMutableBufferPointer { p in
            for c in 0..<columns { bq.quantize(p.baseAddress! + c, count: k, stride: columns) }
        }
        let operands = BlockFormatOperands(format: f)
        m.withUnsafeMutableBufferPointer { operands.quantizeColumns($0.baseAddress!, k: k, columns: columns) }
        #expect(m == expected)
    }
}
