import Inference
let g = try ModelZoo.graph(CommandLine.arguments[1])
let p = try g.profile()
print(p.parameters, p.macs, p.weightBytes, p.activationBytes)
