import Testing

@testable import Simulation

/// Values printed by `Reference/xoshiro_reference.py` (a port of the authors' C reference
/// code and exact rational Erlang C), pasted here.
@Suite("Reference values")
struct ReferenceValuesTests {
    @Test func xoshiroMatchesTheReferenceImplementation() {
        var g = Xoshiro256StarStar(state: (1, 2, 3, 4))
        let expected: [UInt64] = [11520, 0, 1_509_978_240, 1_215_971_899_390_074_240, 1_216_172_134_540_287_360, 607_988_272_756_665_600]
        #expect((0..<6).map { _ in g.next() } == expected)
        var seeded = Xoshiro256StarStar(seed: 42)
        #expect((0..<3).map { _ in seeded.next() } == [1_546_998_764_402_558_742, 6_990_951_692_964_543_102, 12_544_586_762_248_559_009])
    }

    @Test(
        "Erlang C against exact rational arithmetic",
        arguments: [
            (1, 0.8, 1.0, 0.8, 4.0), (2, 1.0, 1.0, 1.0 / 3, 1.0 / 3),
            (4, 3.6, 1.0, 0.7877532642953624, 1.969383160738406), (10, 8.0, 1.0, 0.40918015079644354, 0.20459007539822177),
        ])
    func erlangC(_ c: Int, _ lambda: Double, _ mu: Double, _ probWait: Double, _ wait: Double) throws {
        let q = try ErlangC(servers: c, arrivalRate: lambda, serviceRate: mu)
        #expect(abs(q.probabilityOfWaiting - probWait) <= 1e-12)
        #expect(abs(q.meanWait - wait) <= 1e-12 * max(1, wait))
    }
}
