/// DenseNet-121 as torchvision's `densenet121`: Huang et al., "Densely Connected
/// Convolutional Networks", CVPR 2017, table 1 (growth rate 32, blocks 6-12-24-16,
/// bottleneck 4×growth, compression 0.5). Layers are pre-activation (BN → ReLU → conv).
enum DenseNet {
    static func build(
        name: String, blocks: [Int] = [6, 12, 24, 16], growth: Int = 32, initial: Int = 64, classes: Int = 1000
    ) -> ModelGraph {
        var b = GraphBuilder(name: name, inputShape: [3, 224, 224])
        var x = b.convBN(b.input, Conv2DAttributes(outChannels: initial, kernel: 7, stride: 2, padding: 3), name: "conv0")
        x = b.add(.maxPool(PoolAttributes(kernel: 3, stride: 2, padding: 1)), [x], name: "pool0")
        var channels = initial
        for (index, count) in blocks.enumerated() {
            for layer in 0..<count {
                let p = "denseblock\(index + 1).layer\(layer + 1)"
                var y = b.add(.batchNorm(epsilon: 1e-5), [x], name: p + ".norm1")
                y = b.add(.activation(.relu), [y], name: p + ".relu1")
                y = b.add(.conv2d(Conv2DAttributes(outChannels: 4 * growth, kernel: 1)), [y], name: p + ".conv1")
                y = b.add(.batchNorm(epsilon: 1e-5), [y], name: p + ".norm2")
                y = b.add(.activation(.relu), [y], name: p + ".relu2")
                y = b.add(.conv2d(Conv2DAttributes(outChannels: growth, kernel: 3, padding: 1)), [y], name: p + ".conv2")
                x = b.add(.concat, [x, y], name: p + ".concat")
                channels += growth
            }
            if index < blocks.count - 1 {
                let p = "transition\(index + 1)"
                channels /= 2
                var y = b.add(.batchNorm(epsilon: 1e-5), [x], name: p + ".norm")
                y = b.add(.activation(.relu), [y], name: p + ".relu")
                y = b.add(.conv2d(Conv2DAttributes(outChannels: channels, kernel: 1)), [y], name: p + ".conv")
                x = b.add(.avgPool(PoolAttributes(kernel: 2, stride: 2)), [y], name: p + ".pool")
            }
        }
        x = b.add(.batchNorm(epsilon: 1e-5), [x], name: "norm5")
        x = b.add(.activation(.relu), [x], name: "relu5")
        x = b.add(.globalAvgPool, [x], name: "avgpool")
        x = b.add(.flatten, [x], name: "flatten")
        b.add(.dense(units: classes, bias: true), [x], name: "classifier")
        return b.build()
    }
}
