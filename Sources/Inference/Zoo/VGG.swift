/// VGG-16 (configuration D) as torchvision's `vgg16`: Simonyan & Zisserman, "Very Deep
/// Convolutional Networks for Large-Scale Image Recognition", ICLR 2015, table 1.
enum VGG {
    static let vgg16: [Int] = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0]

    static func build(name: String, configuration: [Int], classes: Int = 1000) -> ModelGraph {
        var b = GraphBuilder(name: name, inputShape: [3, 224, 224])
        var x = b.input
        var conv = 0
        var pool = 0
        for channels in configuration {
            if channels == 0 {
                pool += 1
                x = b.add(.maxPool(PoolAttributes(kernel: 2, stride: 2)), [x], name: "pool\(pool)")
            } else {
                conv += 1
                x = b.add(
                    .conv2d(Conv2DAttributes(outChannels: channels, kernel: 3, padding: 1, bias: true)), [x],
                    name: "conv\(conv)")
                x = b.add(.activation(.relu), [x], name: "conv\(conv).relu")
            }
        }
        x = b.add(.flatten, [x], name: "flatten")
        x = b.add(.dense(units: 4096, bias: true), [x], name: "fc6")
        x = b.add(.activation(.relu), [x], name: "fc6.relu")
        x = b.add(.dense(units: 4096, bias: true), [x], name: "fc7")
        x = b.add(.activation(.relu), [x], name: "fc7.relu")
        b.add(.dense(units: classes, bias: true), [x], name: "fc8")
        return b.build()
    }
}
