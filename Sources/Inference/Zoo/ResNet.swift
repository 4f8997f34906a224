/// ResNet-50/101/152 with bottleneck blocks, as torchvision's `resnet50` (v1.5: the
/// stride sits on the 3×3 convolution). He et al., "Deep Residual Learning for Image
/// Recognition", CVPR 2016, table 1.
enum ResNet {
    static func build(name: String, blocks: [Int], classes: Int = 1000, imageSize: Int = 224) -> ModelGraph {
        var b = GraphBuilder(name: name, inputShape: [3, imageSize, imageSize])
        var x = b.convBN(b.input, Conv2DAttributes(outChannels: 64, kernel: 7, stride: 2, padding: 3), name: "conv1")
        x = b.add(.maxPool(PoolAttributes(kernel: 3, stride: 2, padding: 1)), [x], name: "maxpool")
        var inChannels = 64
        for (stage, count) in blocks.enumerated() {
            let width = 64 << stage
            let outChannels = width * 4
            for block in 0..<count {
                let stride = (block == 0 && stage > 0) ? 2 : 1
                let prefix = "layer\(stage + 1).\(block)"
                var y = b.convBN(x, Conv2DAttributes(outChannels: width, kernel: 1), name: prefix + ".conv1")
                y = b.convBN(
                    y, Conv2DAttributes(outChannels: width, kernel: 3, stride: stride, padding: 1),
                    name: prefix + ".conv2")
                y = b.convBN(y, Conv2DAttributes(outChannels: outChannels, kernel: 1), activation: nil, name: prefix + ".conv3")
                var shortcut = x
                if block == 0 {
                    shortcut = b.convBN(
                        x, Conv2DAttributes(outChannels: outChannels, kernel: 1, stride: stride), activation: nil,
                        name: prefix + ".downsample")
                }
                x = b.add(.add, [y, shortcut], name: prefix + ".add")
                x = b.add(.activation(.relu), [x], name: prefix + ".relu")
                inChannels = outChannels
            }
        }
        _ = inChannels
        x = b.add(.globalAvgPool, [x], name: "avgpool")
        x = b.add(.flatten, [x], name: "flatten")
        b.add(.dense(units: classes, bias: true), [x], name: "fc")
        return b.build()
    }
}
