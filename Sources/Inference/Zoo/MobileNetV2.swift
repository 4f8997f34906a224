/// MobileNetV2 (width 1.0, 224×224) as torchvision's `mobilenet_v2`: Sandler et al.,
/// "MobileNetV2: Inverted Residuals and Linear Bottlenecks", CVPR 2018, table 2.
enum MobileNetV2 {
    /// (expansion t, output channels c, repeats n, first stride s), table 2 of the paper.
    static let settings: [(Int, Int, Int, Int)] = [
        (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
    ]

    static func build(name: String, classes: Int = 1000) -> ModelGraph {
        var b = GraphBuilder(name: name, inputShape: [3, 224, 224])
        var x = b.convBN(
            b.input, Conv2DAttributes(outChannels: 32, kernel: 3, stride: 2, padding: 1), activation: .relu6,
            name: "features.0")
        var inChannels = 32
        var index = 1
        for (t, c, n, s) in settings {
            for i in 0..<n {
                let stride = i == 0 ? s : 1
                let hidden = inChannels * t
                let p = "features.\(index)"
                var y = x
                if t != 1 {
                    y = b.convBN(y, Conv2DAttributes(outChannels: hidden, kernel: 1), activation: .relu6, name: p + ".expand")
                }
                y = b.convBN(
                    y, Conv2DAttributes(outChannels: hidden, kernel: 3, stride: stride, padding: 1, groups: hidden),
                    activation: .relu6, name: p + ".dw")
                y = b.convBN(y, Conv2DAttributes(outChannels: c, kernel: 1), activation: nil, name: p + ".project")
                if stride == 1 && inChannels == c {
                    y = b.add(.add, [x, y], name: p + ".add")
                }
                x = y
                inChannels = c
                index += 1
            }
        }
        x = b.convBN(x, Conv2DAttributes(outChannels: 1280, kernel: 1), activation: .relu6, name: "features.\(index)")
        x = b.add(.globalAvgPool, [x], name: "avgpool")
        x = b.add(.flatten, [x], name: "flatten")
        b.add(.dense(units: classes, bias: true), [x], name: "classifier")
        return b.build()
    }
}
