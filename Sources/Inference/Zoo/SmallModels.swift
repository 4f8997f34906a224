/// A multilayer perceptron for tabular data: `in → hidden (ReLU) × layers → out → softmax`.
enum MLP {
    static func build(name: String, inputs: Int, hidden: Int, layers: Int, outputs: Int) -> ModelGraph {
        var b = GraphBuilder(name: name, inputShape: [inputs])
        var x = b.input
        for i in 0..<layers {
            x = b.add(.dense(units: hidden, bias: true), [x], name: "fc\(i + 1)")
            x = b.add(.activation(.relu), [x], name: "fc\(i + 1).relu")
        }
        x = b.add(.dense(units: outputs, bias: true), [x], name: "out")
        b.add(.softmax, [x], name: "softmax")
        return b.build()
    }
}

/// A single DeepBench-style recurrent layer (Baidu DeepBench inference RNN kernels):
/// input size equal to the hidden size unless set, `timesteps` steps, batch chosen at run time.
/// The output is the last hidden state.
enum RecurrentLayer {
    static func build(name: String, gru: Bool, hidden: Int, timesteps: Int, inputSize: Int) -> ModelGraph {
        var b = GraphBuilder(name: name, inputShape: [timesteps, inputSize])
        let attributes = RecurrentAttributes(hiddenSize: hidden, returnSequences: false, linearBeforeReset: true)
        b.add(gru ? .gru(attributes) : .lstm(attributes), [b.input], name: gru ? "gru" : "lstm")
        return b.build()
    }
}
