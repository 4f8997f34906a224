#!/usr/bin/env python3
"""Fixtures in the shape framework exporters write them, with ONNX Runtime's outputs.

PyTorch's `torch.onnx.export` and paddle2onnx compute shapes at run time (`Shape` ->
`Gather` -> `Unsqueeze` -> `Concat` -> `Reshape` for `x.view(x.size(0), -1)`), leave the
height and width of detectors symbolic, guard branches with `If`, and feed recurrent layers
time-major `[T, N, I]` tensors. Each model here reproduces one of those patterns with seeded
random weights; the Swift tests import it (folding the shape arithmetic) and compare with
ONNX Runtime (relative error <= 1e-4 of the output's largest magnitude).

    pip install onnx onnxruntime numpy
    python3 Tests/InferenceTests/Fixtures/onnx/make_exporter_fixtures.py
"""
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.RandomState(20261124)


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def w(*shape):
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def save(name, nodes, inits, in_dims, out_dims, run_shape, opset, input_name="x"):
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, in_dims)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_dims)],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_exporter_fixtures")
    model.ir_version = 7 if opset <= 15 else 8 if opset <= 18 else 9
    onnx.checker.check_model(model, full_check=True)
    path = os.path.join(HERE, name + ".onnx")
    onnx.save(model, path)
    x = rng.uniform(-1, 1, size=run_shape).astype(np.float32)
    y = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {input_name: x})[0]
    np.save(os.path.join(HERE, name + ".input.npy"), x)
    np.save(os.path.join(HERE, name + ".output.npy"), y.astype(np.float32))
    print(name, "opset", opset, x.shape, "->", y.shape)


def i64(name, values):
    return init(name, np.array(values, dtype=np.int64))


# 1. PyTorch's `x.view(x.size(0), -1)` after a conv (opset 13: Unsqueeze takes axes as an input).
inits = [init("c.w", w(4, 3, 3, 3)), init("fc.w", w(5, 4 * 6 * 6)), init("fc.b", w(5)),
         i64("zero", 0), i64("axes0", [0]), i64("minus1", [-1])]
nodes = [helper.make_node("Conv", ["x", "c.w"], ["a"], name="conv", pads=[1, 1, 1, 1], strides=[2, 2]),
         helper.make_node("Relu", ["a"], ["b"], name="relu"),
         helper.make_node("Shape", ["b"], ["s"], name="shape"),
         helper.make_node("Gather", ["s", "zero"], ["n"], name="batch", axis=0),
         helper.make_node("Unsqueeze", ["n", "axes0"], ["n1"], name="unsq"),
         helper.make_node("Concat", ["n1", "minus1"], ["target"], name="target", axis=0),
         helper.make_node("Reshape", ["b", "target"], ["flat"], name="view"),
         helper.make_node("Gemm", ["flat", "fc.w", "fc.b"], ["y"], name="fc", transB=1)]
save("torch_view_flatten", nodes, inits, ["batch", 3, 12, 12], ["batch", 5], [2, 3, 12, 12], opset=13)

# 2. A detector-like head with symbolic height and width: the shape is read at run time,
# sliced, multiplied and concatenated into a Reshape target; a channel count check guards an
# If (PaddleOCR and YOLO exports carry such guards); per-channel constants are computed with
# Range, Cast, ConstantOfShape, Expand, Where and Not; Sqrt/Div/Pow on constants.
C = 6
inits = [init("c1.w", w(C, 3, 3, 3)), init("c1.b", w(C)), init("c2.w", w(C, C, 1, 1)),
         i64("start2", [2]), i64("end4", [4]), i64("ax0", [0]), i64("one", 1), i64("six", C),
         i64("zero_s", 0), i64("c_shape", [C]), init("two", np.array(2.0, dtype=np.float32)),
         init("eps", np.array(1e-3, dtype=np.float32))]
nodes = [
    helper.make_node("Conv", ["x", "c1.w", "c1.b"], ["a"], name="conv1", pads=[1, 1, 1, 1]),
    helper.make_node("Shape", ["a"], ["s"], name="shape"),
    helper.make_node("Gather", ["s", "one"], ["c"], name="channels", axis=0),
    helper.make_node("Equal", ["c", "six"], ["is6"], name="check"),
    helper.make_node("If", ["is6"], ["b"], name="guard",
                     then_branch=helper.make_graph([helper.make_node("Relu", ["a"], ["t"], name="then_relu")], "then", [],
                                                   [helper.make_tensor_value_info("t", TensorProto.FLOAT, None)]),
                     else_branch=helper.make_graph([helper.make_node("Sigmoid", ["a"], ["e"], name="else_sigmoid")], "else", [],
                                                   [helper.make_tensor_value_info("e", TensorProto.FLOAT, None)])),
    # scale[c] = (c + 1) / sqrt(2) ** 2 where c is odd, else 1 (Range, Cast, Mod-free parity via Where/Not/Equal).
    helper.make_node("Range", ["zero_s", "six", "one"], ["r"], name="range"),
    helper.make_node("Cast", ["r"], ["rf"], name="cast", to=TensorProto.FLOAT),
    helper.make_node("Div", ["r", "two_i"], ["half"], name="half"),
    helper.make_node("Mul", ["half", "two_i"], ["even_part"], name="even_part"),
    helper.make_node("Equal", ["even_part", "r"], ["is_even"], name="is_even"),
    helper.make_node("Not", ["is_even"], ["is_odd"], name="is_odd"),
    helper.make_node("Sqrt", ["two"], ["sq"], name="sqrt2"),
    helper.make_node("Pow", ["sq", "two"], ["sq2"], name="pow2"),
    helper.make_node("Add", ["rf", "onef"], ["rp1"], name="plus1"),
    helper.make_node("Div", ["rp1", "sq2"], ["odd_scale"], name="odd_scale"),
    helper.make_node("ConstantOfShape", ["c_shape"], ["ones"], name="ones",
                     value=numpy_helper.from_array(np.array([1.0], dtype=np.float32))),
    helper.make_node("Where", ["is_odd", "odd_scale", "ones"], ["scale"], name="scale"),
    helper.make_node("Unsqueeze", ["scale", "ax12"], ["scale3"], name="scale3"),
    helper.make_node("Expand", ["scale3", "c11"], ["scale_e"], name="expand"),
    helper.make_node("Mul", ["b", "scale_e"], ["bs"], name="apply_scale"),
    helper.make_node("Add", ["bs", "eps"], ["be"], name="add_eps"),
    helper.make_node("Conv", ["be", "c2.w"], ["d"], name="conv2"),
    # Reshape to [N, C, H*W] from the run-time shape, then back to [N, C, H, W].
    helper.make_node("Shape", ["d"], ["ds"], name="shape2"),
    helper.make_node("Slice", ["ds", "start2", "end4", "ax0"], ["hw"], name="hw"),
    helper.make_node("ReduceProd", ["hw"], ["hw_prod"], name="hw_prod", keepdims=1),
    helper.make_node("Slice", ["ds", "zero1", "start2", "ax0"], ["nc"], name="nc"),
    helper.make_node("Concat", ["nc", "hw_prod"], ["t3"], name="t3", axis=0),
    helper.make_node("Reshape", ["d", "t3"], ["d3"], name="to3d"),
    helper.make_node("Reshape", ["d3", "ds"], ["d4"], name="to4d"),
    helper.make_node("GlobalAveragePool", ["d4"], ["g"], name="gap"),
    helper.make_node("Flatten", ["g"], ["f"], name="flatten", axis=1),
    helper.make_node("MatMul", ["f", "fc.w.T"], ["y"], name="fc"),
]
inits += [i64("two_i", 2), init("onef", np.array(1.0, dtype=np.float32)), i64("ax12", [1, 2]), i64("c11", [C, 1, 1]),
          i64("zero1", [0]), init("fc.w.T", w(C, 3))]
save("dynamic_hw_head", nodes, inits, ["N", 3, "height", "width"], ["N", 3], [2, 3, 10, 14], opset=13)

# 3. A GRU fed time-major [T, N, I] directly, as the ONNX default layout (batch on axis 1,
# fixed at 1 by the exporter), with its final state Y_h as the output.
T, I, H = 7, 10, 12
inits = [init("W", w(1, 3 * H, I)), init("R", w(1, 3 * H, H)), init("B", w(1, 6 * H))]
nodes = [helper.make_node("GRU", ["x", "W", "R", "B"], ["", "y"], name="gru", hidden_size=H, linear_before_reset=1)]
save("gru_time_major", nodes, inits, [T, 1, I], [1, 1, H], [T, 1, I], opset=14)

# 4. The same layout with a symbolic batch (axis 1), run at batch 3: the batch moves to the
# engine's first axis on the way in and back to axis 1 of Y_h on the way out.
inits = [init("W", w(1, 3 * H, I)), init("R", w(1, 3 * H, H)), init("B", w(1, 6 * H))]
nodes = [helper.make_node("GRU", ["x", "W", "R", "B"], ["", "y"], name="gru", hidden_size=H, linear_before_reset=1)]
save("gru_time_major_batch", nodes, inits, [T, "N", I], [1, "N", H], [T, 3, I], opset=14)

# 5. Several inputs and outputs: the model's input x, a mask given with the request, a
# recurrent state h0 fed zeros (follows the batch N), and three outputs (y, z, state).
H5 = 5
inits = [init("W", w(1, 3 * H5, 6)), init("R", w(1, 3 * H5, H5)), init("B", w(1, 6 * H5))]
nodes = [helper.make_node("Mul", ["x", "mask"], ["xm"], name="apply_mask"),
         helper.make_node("Relu", ["xm"], ["y"], name="relu"),
         helper.make_node("Sigmoid", ["x"], ["z"], name="sigmoid"),
         helper.make_node("Transpose", ["x"], ["xt"], name="time_major", perm=[1, 0, 2]),
         helper.make_node("GRU", ["xt", "W", "R", "B", "", "h0"], ["", "state"], name="gru", hidden_size=H5,
                          linear_before_reset=1)]
graph = helper.make_graph(
    nodes, "several_inputs",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4, 6]),
     helper.make_tensor_value_info("mask", TensorProto.FLOAT, [1, 6]),
     helper.make_tensor_value_info("h0", TensorProto.FLOAT, [1, "N", H5])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4, 6]),
     helper.make_tensor_value_info("z", TensorProto.FLOAT, ["N", 4, 6]),
     helper.make_tensor_value_info("state", TensorProto.FLOAT, [1, "N", H5])],
    initializer=inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)], producer_name="make_exporter_fixtures")
model.ir_version = 7
onnx.checker.check_model(model, full_check=True)
path = os.path.join(HERE, "several_inputs.onnx")
onnx.save(model, path)
x = rng.uniform(-1, 1, size=[3, 4, 6]).astype(np.float32)
mask = rng.uniform(0, 2, size=[1, 6]).astype(np.float32)
outs = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(
    None, {"x": x, "mask": mask, "h0": np.zeros([1, 3, H5], np.float32)})
np.save(os.path.join(HERE, "several_inputs.x.npy"), x)
np.save(os.path.join(HERE, "several_inputs.mask.npy"), mask)
for name, y in zip(["y", "z", "state"], outs):
    np.save(os.path.join(HERE, f"several_inputs.{name}.npy"), y.astype(np.float32))
print("several_inputs opset 14", x.shape, "->", [o.shape for o in outs])

# 6. The general ops in one graph, each as ONNX writes it: linear Resize (half_pixel and
# align_corners), LeakyRelu, Elu, Exp, Log, Softplus, Neg, Abs, Reciprocal, HardSwish,
# InstanceNormalization, LayerNormalization, LogSoftmax, ReduceMax/Min, data Gather, Min/Max
# between values, ConvTranspose with groups and output_padding, Split, a channel Transpose.
C6 = 4
inits = [init("ct.w", w(C6, 3, 3, 3)), init("ct.b", w(6)), init("in.s", w(6)), init("in.b", w(6)),
         init("ln.s", w(9)), init("ln.b", w(9)), init("scales", np.array([1, 1, 1.5, 2], dtype=np.float32)),
         init("roi", np.array([], dtype=np.float32)), init("scales_ac", np.array([1, 1, 0.875, 1], dtype=np.float32)),
         i64("idx", [2, 0]),
         i64("split", [2, 4]), init("one_f", np.array(1.0, dtype=np.float32))]
nodes = [
    helper.make_node("ConvTranspose", ["x", "ct.w", "ct.b"], ["ct"], name="deconv", strides=[2, 2], pads=[1, 1, 1, 1],
                     output_padding=[1, 0], group=2),
    helper.make_node("LeakyRelu", ["ct"], ["lr"], name="leaky", alpha=0.1),
    helper.make_node("InstanceNormalization", ["lr", "in.s", "in.b"], ["inorm"], name="inorm", epsilon=1e-4),
    helper.make_node("Resize", ["inorm", "roi", "scales_ac"], ["rs"], name="resize_ac", mode="linear",
                     coordinate_transformation_mode="align_corners"),
    helper.make_node("Resize", ["rs", "roi", "scales"], ["rs2"], name="resize_hp", mode="linear",
                     coordinate_transformation_mode="half_pixel"),
    helper.make_node("Elu", ["rs2"], ["elu"], name="elu", alpha=0.7),
    helper.make_node("HardSwish", ["elu"], ["hs"], name="hardswish"),
    helper.make_node("Abs", ["hs"], ["ab"], name="abs"),
    helper.make_node("Add", ["ab", "one_f"], ["ab1"], name="plus_one"),
    helper.make_node("Log", ["ab1"], ["lg"], name="log"),
    helper.make_node("Reciprocal", ["ab1"], ["rc"], name="reciprocal"),
    helper.make_node("Softplus", ["hs"], ["sp"], name="softplus"),
    helper.make_node("Neg", ["sp"], ["ng"], name="neg"),
    helper.make_node("Exp", ["ng"], ["ex"], name="exp"),
    helper.make_node("Min", ["lg", "rc"], ["mn"], name="min"),
    helper.make_node("Max", ["mn", "ex"], ["mx"], name="max"),
    helper.make_node("Split", ["mx", "split"], ["s1", "s2"], name="split", axis=1),
    helper.make_node("Gather", ["s2", "idx"], ["g"], name="gather_channels", axis=1),
    helper.make_node("Concat", ["s1", "g"], ["cc"], name="concat", axis=1),
    helper.make_node("Transpose", ["cc"], ["tr"], name="hw_swap", perm=[0, 1, 3, 2]),
    helper.make_node("Slice", ["tr", "sl_s", "sl_e", "sl_a"], ["sl"], name="slice_w"),
    helper.make_node("LayerNormalization", ["sl", "ln.s", "ln.b"], ["ln"], name="layernorm", axis=-1, epsilon=1e-5),
    helper.make_node("LogSoftmax", ["ln"], ["ls"], name="logsoftmax", axis=2),
    helper.make_node("ReduceMax", ["ls"], ["rmax"], name="reduce_max", axes=[3], keepdims=1),
    helper.make_node("ReduceMin", ["ls"], ["rmin"], name="reduce_min", axes=[3], keepdims=1),
    helper.make_node("Sub", ["rmax", "rmin"], ["y"], name="range"),
]
inits += [i64("sl_s", [0]), i64("sl_e", [9]), i64("sl_a", [3])]
save("general_ops", nodes, inits, ["N", C6, 4, 5], ["N", 4, 18, 1], [2, C6, 4, 5], opset=17)

# 7. Audio-style front end: reflect Pad of a [N, C, L] signal, 1-D convolutions (strided,
# padded, dilated), edge and constant Pad.
inits = [init("c1.w", w(6, 3, 5)), init("c1.b", w(6)), init("c2.w", w(4, 6, 3)), i64("p_reflect", [0, 0, 4, 0, 0, 3]),
         i64("p_edge", [0, 0, 1, 0, 0, 2]), i64("p_const", [0, 1, 0, 0, 0, 2]), init("half", np.array(0.5, dtype=np.float32))]
nodes = [helper.make_node("Pad", ["x", "p_reflect"], ["a"], name="reflect", mode="reflect"),
         helper.make_node("Conv", ["a", "c1.w", "c1.b"], ["b"], name="conv1d_a", strides=[2], pads=[1, 1]),
         helper.make_node("Relu", ["b"], ["c"], name="relu"),
         helper.make_node("Pad", ["c", "p_edge"], ["d"], name="edge", mode="edge"),
         helper.make_node("Conv", ["d", "c2.w"], ["e"], name="conv1d_b", dilations=[2]),
         helper.make_node("Pad", ["e", "p_const", "half"], ["y"], name="constant", mode="constant")]
save("conv1d_pad", nodes, inits, ["N", 3, 20], ["N", 5, 14], [2, 3, 20], opset=13)
