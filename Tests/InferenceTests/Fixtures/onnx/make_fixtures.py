#!/usr/bin/env python3
"""Builds the ONNX test fixtures with seeded random weights and records ONNX Runtime's outputs.

For each model: NAME.onnx, NAME.input.npy (batch 2 unless noted), NAME.output.npy (ONNX
Runtime 1.x, CPU). The Swift tests compare our outputs with these (relative error ≤ 1e-4 of
the output's largest magnitude) and never need Python.

    pip install onnx onnxruntime numpy
    python3 Tests/InferenceTests/Fixtures/onnx/make_fixtures.py
"""
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.RandomState(1234)


def init(name, array, raw=True):
    t = numpy_helper.from_array(array.astype(array.dtype), name)
    if not raw and array.dtype == np.float32:
        t = helper.make_tensor(name, TensorProto.FLOAT, array.shape, array.flatten().tolist())
    return t


def w(*shape, scale=None):
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
    return (rng.standard_normal(shape) * (scale or np.sqrt(2.0 / fan_in))).astype(np.float32)


def save(name, nodes, inits, in_shape, out_shape, opset, batch=2, input_name="x"):
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["N"] + list(in_shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N"] + list(out_shape))],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_fixtures")
    model.ir_version = 7 if opset <= 15 else 8 if opset <= 18 else 9
    onnx.checker.check_model(model, full_check=True)
    path = os.path.join(HERE, name + ".onnx")
    onnx.save(model, path)
    x = rng.uniform(-1, 1, size=[batch] + list(in_shape)).astype(np.float32)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    y = sess.run(None, {input_name: x})[0]
    np.save(os.path.join(HERE, name + ".input.npy"), x)
    np.save(os.path.join(HERE, name + ".output.npy"), y.astype(np.float32))
    print(name, "opset", opset, "->", y.shape)


def bn(prefix, c):
    return [init(prefix + ".scale", rng.uniform(0.5, 1.5, c).astype(np.float32)),
            init(prefix + ".bias", rng.uniform(-0.2, 0.2, c).astype(np.float32)),
            init(prefix + ".mean", rng.uniform(-0.2, 0.2, c).astype(np.float32)),
            init(prefix + ".var", rng.uniform(0.5, 1.5, c).astype(np.float32))]


# 1. A conv net with BatchNorm, Pad folded into Conv, ReLU6 as Clip (inputs), max/avg pooling, Gemm.
inits = [init("c1.w", w(8, 3, 3, 3)), init("c1.b", w(8, scale=0.1)), *bn("bn1", 8),
         init("pads", np.array([0, 0, 1, 1, 0, 0, 1, 1], dtype=np.int64)),
         init("c2.w", w(16, 8, 3, 3), raw=False), init("zero", np.array(0, dtype=np.float32)), init("six", np.array(6, dtype=np.float32)),
         init("fc.w", w(5, 16 * 3 * 3)), init("fc.b", w(5, scale=0.1))]
nodes = [helper.make_node("Conv", ["x", "c1.w", "c1.b"], ["a"], name="conv1", pads=[1, 1, 1, 1], strides=[1, 1]),
         helper.make_node("BatchNormalization", ["a", "bn1.scale", "bn1.bias", "bn1.mean", "bn1.var"], ["b"], name="bn1", epsilon=1e-5),
         helper.make_node("Relu", ["b"], ["c"], name="relu1"),
         helper.make_node("MaxPool", ["c"], ["d"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
         helper.make_node("Pad", ["d", "pads"], ["e"], name="pad2", mode="constant"),
         helper.make_node("Conv", ["e", "c2.w"], ["f"], name="conv2", strides=[2, 2]),
         helper.make_node("Clip", ["f", "zero", "six"], ["g"], name="relu6"),
         helper.make_node("AveragePool", ["g"], ["h"], name="pool2", kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1], count_include_pad=0),
         helper.make_node("Flatten", ["h"], ["i"], name="flatten", axis=1),
         helper.make_node("Gemm", ["i", "fc.w", "fc.b"], ["y"], name="fc", transB=1)]
save("convnet_bn", nodes, inits, [3, 12, 12], [5], opset=13)

# 2. A residual block (opset 11): conv-bn-relu-conv-bn + identity, relu, global pool, MatMul + Add.
inits = [init("r1.w", w(6, 6, 3, 3)), *bn("rb1", 6), init("r2.w", w(6, 6, 3, 3)), *bn("rb2", 6),
         init("m.w", w(6, 4).T.copy().T if False else w(6, 4)), init("m.b", w(4, scale=0.1))]
nodes = [helper.make_node("Conv", ["x", "r1.w"], ["a"], name="res.conv1", pads=[1, 1, 1, 1]),
         helper.make_node("BatchNormalization", ["a", "rb1.scale", "rb1.bias", "rb1.mean", "rb1.var"], ["b"], name="res.bn1"),
         helper.make_node("Relu", ["b"], ["c"], name="res.relu1"),
         helper.make_node("Conv", ["c", "r2.w"], ["d"], name="res.conv2", pads=[1, 1, 1, 1]),
         helper.make_node("BatchNormalization", ["d", "rb2.scale", "rb2.bias", "rb2.mean", "rb2.var"], ["e"], name="res.bn2"),
         helper.make_node("Add", ["e", "x"], ["f"], name="res.add"),
         helper.make_node("Relu", ["f"], ["g"], name="res.relu2"),
         helper.make_node("GlobalAveragePool", ["g"], ["h"], name="gap"),
         helper.make_node("Flatten", ["h"], ["i"], name="flatten"),
         helper.make_node("MatMul", ["i", "m.w"], ["j"], name="head"),
         helper.make_node("Add", ["j", "m.b"], ["y"], name="head.bias")]
save("residual_block", nodes, inits, [6, 9, 9], [4], opset=11)

# 3. A depthwise-separable block (opset 17): depthwise 3x3 stride 2, BN, Clip-ReLU6, pointwise, Softmax head.
inits = [init("dw.w", w(8, 1, 3, 3)), *bn("dbn", 8), init("pw.w", w(12, 8, 1, 1)), init("pw.b", w(12, scale=0.1)),
         init("lo", np.array(0, dtype=np.float32)), init("hi", np.array(6, dtype=np.float32)),
         init("shape", np.array([0, -1], dtype=np.int64)), init("fc.w", w(3, 12 * 4 * 4)), init("fc.b", w(3, scale=0.1))]
nodes = [helper.make_node("Conv", ["x", "dw.w"], ["a"], name="dw", group=8, strides=[2, 2], pads=[1, 1, 1, 1]),
         helper.make_node("BatchNormalization", ["a", "dbn.scale", "dbn.bias", "dbn.mean", "dbn.var"], ["b"], name="dw.bn"),
         helper.make_node("Clip", ["b", "lo", "hi"], ["c"], name="dw.relu6"),
         helper.make_node("Conv", ["c", "pw.w", "pw.b"], ["d"], name="pw"),
         helper.make_node("Reshape", ["d", "shape"], ["e"], name="reshape"),
         helper.make_node("Gemm", ["e", "fc.w", "fc.b"], ["f"], name="fc", transB=1),
         helper.make_node("Softmax", ["f"], ["y"], name="softmax", axis=-1)]
save("depthwise_separable", nodes, inits, [8, 8, 8], [3], opset=17)

# 4. An MLP (opset 21) with GELU (exact Erf pattern), Dropout, Identity, Mul/Sub/Div by constants, Tanh, Sigmoid.
inits = [init("w1", w(16, 10)), init("b1", w(16, scale=0.1)), init("sqrt2", np.array(np.sqrt(2), dtype=np.float32)),
         init("one", np.array(1, dtype=np.float32)), init("half", np.array(0.5, dtype=np.float32)),
         init("w2", w(12, 16)), init("scale", rng.uniform(0.5, 2, 12).astype(np.float32)), init("shift", np.array(0.25, dtype=np.float32)),
         init("div", np.array(1.5, dtype=np.float32)), init("w3", w(6, 12))]
nodes = [helper.make_node("Gemm", ["x", "w1", "b1"], ["a"], name="fc1", transB=1),
         helper.make_node("Div", ["a", "sqrt2"], ["g1"], name="gelu.div"),
         helper.make_node("Erf", ["g1"], ["g2"], name="gelu.erf"),
         helper.make_node("Add", ["g2", "one"], ["g3"], name="gelu.add"),
         helper.make_node("Mul", ["a", "g3"], ["g4"], name="gelu.mul"),
         helper.make_node("Mul", ["g4", "half"], ["b"], name="gelu.half"),
         helper.make_node("Dropout", ["b"], ["c"], name="dropout"),
         helper.make_node("Gemm", ["c", "w2"], ["d"], name="fc2", transB=1),
         helper.make_node("Mul", ["d", "scale"], ["e"], name="scale"),
         helper.make_node("Sub", ["e", "shift"], ["f"], name="shift"),
         helper.make_node("Div", ["f", "div"], ["g"], name="div"),
         helper.make_node("Tanh", ["g"], ["h"], name="tanh"),
         helper.make_node("Identity", ["h"], ["i"], name="identity"),
         helper.make_node("Gemm", ["i", "w3"], ["j"], name="fc3", transB=1),
         helper.make_node("Sigmoid", ["j"], ["y"], name="sigmoid")]
save("mlp", nodes, inits, [10], [6], opset=21)

# 5. An LSTM (opset 14): batch-first input transposed to [T, N, I], last hidden state squeezed, dense head.
T, I, H = 7, 5, 9
inits = [init("W", w(1, 4 * H, I, scale=0.4)), init("R", w(1, 4 * H, H, scale=0.4)), init("B", w(1, 8 * H, scale=0.1)),
         init("axes", np.array([0], dtype=np.int64)), init("fc.w", w(3, H)), init("fc.b", w(3, scale=0.1))]
nodes = [helper.make_node("Transpose", ["x"], ["xt"], name="to_seq_first", perm=[1, 0, 2]),
         helper.make_node("LSTM", ["xt", "W", "R", "B"], ["", "yh"], name="lstm", hidden_size=H),
         helper.make_node("Squeeze", ["yh", "axes"], ["h"], name="squeeze"),
         helper.make_node("Gemm", ["h", "fc.w", "fc.b"], ["y"], name="fc", transB=1)]
save("lstm", nodes, inits, [T, I], [3], opset=14)

# 6. A GRU (opset 13, linear_before_reset = 0) returning the full sequence, back to batch-first.
T, I, H = 6, 4, 8
inits = [init("W", w(1, 3 * H, I, scale=0.4)), init("R", w(1, 3 * H, H, scale=0.4)), init("B", w(1, 6 * H, scale=0.1)),
         init("axes", np.array([1], dtype=np.int64))]
nodes = [helper.make_node("Transpose", ["x"], ["xt"], name="to_seq_first", perm=[1, 0, 2]),
         helper.make_node("GRU", ["xt", "W", "R", "B"], ["ys"], name="gru", hidden_size=H, linear_before_reset=0),
         helper.make_node("Squeeze", ["ys", "axes"], ["s"], name="squeeze"),
         helper.make_node("Transpose", ["s"], ["y"], name="to_batch_first", perm=[1, 0, 2])]
save("gru", nodes, inits, [T, I], [T, H], opset=13)

# 7. A model with unsupported ops (Gather twice, Resize once): must be rejected with one message.
inits = [init("idx", np.array([0, 2], dtype=np.int64)), init("scales", np.array([1, 1, 2, 2], dtype=np.float32)),
         init("roi", np.array([], dtype=np.float32))]
nodes = [helper.make_node("Gather", ["x", "idx"], ["a"], name="pick_channels", axis=1),
         helper.make_node("Resize", ["a", "roi", "scales"], ["b"], name="upsample", mode="nearest"),
         helper.make_node("Gather", ["b", "idx"], ["c"], name="pick_again", axis=1),
         helper.make_node("Relu", ["c"], ["y"], name="relu")]
graph = helper.make_graph(nodes, "unsupported", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 4, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2, 8, 8])], initializer=inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 7
onnx.checker.check_model(model)
onnx.save(model, os.path.join(HERE, "unsupported.onnx"))
print("unsupported")

# 8. An LSTM whose Y and Y_h are both used (Y_h must come from Y, not a second LSTM), plus a
#    Gather of Y's last timestep: y = [flatten(Y batch-first), Gather(Y, T-1) + Y_h].
T, I, H = 5, 4, 6
inits = [init("W", w(1, 4 * H, I, scale=0.4)), init("R", w(1, 4 * H, H, scale=0.4)), init("B", w(1, 8 * H, scale=0.1)),
         init("axes0", np.array([0], dtype=np.int64)), init("axes1", np.array([1], dtype=np.int64)),
         init("last", np.array(T - 1, dtype=np.int64))]
nodes = [helper.make_node("Transpose", ["x"], ["xt"], name="to_seq_first", perm=[1, 0, 2]),
         helper.make_node("LSTM", ["xt", "W", "R", "B"], ["ys", "yh"], name="lstm", hidden_size=H),
         helper.make_node("Squeeze", ["ys", "axes1"], ["s"], name="squeeze_y"),
         helper.make_node("Transpose", ["s"], ["bf"], name="to_batch_first", perm=[1, 0, 2]),
         helper.make_node("Flatten", ["bf"], ["flat"], name="flatten", axis=1),
         helper.make_node("Gather", ["bf", "last"], ["g"], name="last_step", axis=1),
         helper.make_node("Squeeze", ["yh", "axes0"], ["h"], name="squeeze_h"),
         helper.make_node("Add", ["g", "h"], ["sum"], name="add"),
         helper.make_node("Concat", ["flat", "sum"], ["y"], name="concat", axis=1)]
save("lstm_both_outputs", nodes, inits, [T, I], [(T + 1) * H], opset=14)

# 9. Silero-VAD's pattern: an If (its condition folds at import: the state input's rank) whose
#    taken branch runs an LSTM and returns Y_h and Y_c; only Y_h reaches the first graph output
#    (through a ReduceMean to one value per sample, keepdims 0, then Unsqueeze); Y_c feeds only the
#    second output, the next state. The state input [2, N, H] is fed zeros.
T, I, H = 3, 4, 5
inits = [init("W", w(1, 4 * H, I, scale=0.4)), init("R", w(1, 4 * H, H, scale=0.4)), init("B", w(1, 8 * H, scale=0.1)),
         init("rank", np.array(3, dtype=np.int64)), init("axes0", np.array([0], dtype=np.int64)),
         init("axes1", np.array([1], dtype=np.int64))]
branch = helper.make_graph(
    [helper.make_node("LSTM", ["xt", "W", "R", "B"], ["", "yh", "yc"], name="lstm", hidden_size=H),
     helper.make_node("Squeeze", ["yh", "axes0"], ["h"], name="squeeze_h"),
     helper.make_node("Squeeze", ["yc", "axes0"], ["c"], name="squeeze_c")],
    "then", [], [helper.make_tensor_value_info("h", TensorProto.FLOAT, None),
                 helper.make_tensor_value_info("c", TensorProto.FLOAT, None)])
other = helper.make_graph(
    [helper.make_node("Gather", ["state", "idx0"], ["h0"], name="gather_h", axis=0),
     helper.make_node("Gather", ["state", "idx1"], ["c0"], name="gather_c", axis=0)],
    "else", [], [helper.make_tensor_value_info("h0", TensorProto.FLOAT, None),
                 helper.make_tensor_value_info("c0", TensorProto.FLOAT, None)])
inits += [init("idx0", np.array(0, dtype=np.int64)), init("idx1", np.array(1, dtype=np.int64))]
nodes = [helper.make_node("Transpose", ["x"], ["xt"], name="to_seq_first", perm=[1, 0, 2]),
         helper.make_node("Shape", ["state"], ["ss"], name="state_shape"),
         helper.make_node("Size", ["ss"], ["sr"], name="state_rank"),
         helper.make_node("Equal", ["sr", "rank"], ["cond"], name="is_rank3"),
         helper.make_node("If", ["cond"], ["hb", "cb"], name="branch", then_branch=branch, else_branch=other),
         helper.make_node("Relu", ["hb"], ["r"], name="relu"),
         helper.make_node("ReduceMean", ["r"], ["m"], name="mean", axes=[1], keepdims=0),
         helper.make_node("Unsqueeze", ["m", "axes1"], ["y"], name="unsqueeze"),
         helper.make_node("Unsqueeze", ["cb", "axes0"], ["cn"], name="next_state")]
graph = helper.make_graph(
    nodes, "if_lstm_state",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", T, I]),
     helper.make_tensor_value_info("state", TensorProto.FLOAT, [2, "N", H])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 1]),
     helper.make_tensor_value_info("cn", TensorProto.FLOAT, [1, "N", H])], initializer=inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)], producer_name="make_fixtures")
model.ir_version = 8
onnx.checker.check_model(model, full_check=True)
path = os.path.join(HERE, "if_lstm_state.onnx")
onnx.save(model, path)
x = rng.uniform(-1, 1, size=[2, T, I]).astype(np.float32)
y = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(
    ["y"], {"x": x, "state": np.zeros([2, 2, H], np.float32)})[0]
np.save(os.path.join(HERE, "if_lstm_state.input.npy"), x)
np.save(os.path.join(HERE, "if_lstm_state.output.npy"), y.astype(np.float32))
print("if_lstm_state ->", y.shape)

# 10. A CRNN head as PyTorch exports it: a bidirectional LSTM whose zero initial states are
#     ConstantOfShape([2, N, H]) from the input's shape, then `x.view(T * b, h)` → Linear →
#     `view(T, b, -1)` (the batch flattened with the time axis around a Gemm), batch-first out.
T, I, H, C = 4, 5, 6, 3
inits = [init("W", w(2, 4 * H, I, scale=0.4)), init("R", w(2, 4 * H, H, scale=0.4)), init("B", w(2, 8 * H, scale=0.1)),
         init("fc_w", w(C, 2 * H)), init("fc_b", w(C, scale=0.1)),
         init("i0", np.array(0, dtype=np.int64)), init("i1", np.array(1, dtype=np.int64)),
         init("two", np.array([2], dtype=np.int64)), init("hsize", np.array([H], dtype=np.int64)),
         init("ax0", np.array([0], dtype=np.int64)), init("join", np.array([0, 0, -1], dtype=np.int64)),
         init("minus1", np.array([-1], dtype=np.int64)), init("width", np.array([2 * H], dtype=np.int64))]
nodes = [helper.make_node("Transpose", ["x"], ["xt"], name="to_seq_first", perm=[1, 0, 2]),
         helper.make_node("Shape", ["xt"], ["s"], name="shape"),
         helper.make_node("Gather", ["s", "i1"], ["n"], name="batch_size", axis=0),
         helper.make_node("Unsqueeze", ["n", "ax0"], ["n1"], name="n_1d"),
         helper.make_node("Concat", ["two", "n1", "hsize"], ["state_shape"], name="state_shape", axis=0),
         helper.make_node("ConstantOfShape", ["state_shape"], ["h0"], name="h0"),
         helper.make_node("ConstantOfShape", ["state_shape"], ["c0"], name="c0"),
         helper.make_node("LSTM", ["xt", "W", "R", "B", "", "h0", "c0"], ["ys"], name="bilstm", hidden_size=H,
                          direction="bidirectional"),
         helper.make_node("Transpose", ["ys"], ["yt"], name="dirs_inner", perm=[0, 2, 1, 3]),
         helper.make_node("Reshape", ["yt", "join"], ["yj"], name="join_dirs"),
         helper.make_node("Shape", ["yj"], ["s2"], name="shape2"),
         helper.make_node("Gather", ["s2", "i0"], ["t"], name="steps", axis=0),
         helper.make_node("Gather", ["s2", "i1"], ["b"], name="batch", axis=0),
         helper.make_node("Mul", ["t", "b"], ["tb"], name="t_times_b"),
         helper.make_node("Unsqueeze", ["tb", "ax0"], ["tb1"], name="tb_1d"),
         helper.make_node("Concat", ["tb1", "width"], ["flat_shape"], name="flat_shape", axis=0),
         helper.make_node("Reshape", ["yj", "flat_shape"], ["flat"], name="view_tb"),
         helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["logits"], name="fc", transB=1),
         helper.make_node("Unsqueeze", ["t", "ax0"], ["t1"], name="t_1d"),
         helper.make_node("Unsqueeze", ["b", "ax0"], ["b1"], name="b_1d"),
         helper.make_node("Concat", ["t1", "b1", "minus1"], ["split_shape"], name="split_shape", axis=0),
         helper.make_node("Reshape", ["logits", "split_shape"], ["split"], name="view_t_b"),
         helper.make_node("Transpose", ["split"], ["y"], name="to_batch_first", perm=[1, 0, 2])]
save("crnn_head", nodes, inits, [T, I], [T, C], opset=13, batch=3)

# 11. faster-whisper's Silero VAD pattern: the symbolic first axis is a stream of chunks; each
#     chunk is projected alone (as the batch of a Conv), then the chunks are the LSTM's time
#     steps with a batch of 1 (state carried across the "batch"), a kernel-1 Conv1d along that
#     axis, Sigmoid, and Reshape([-1]): one probability per chunk, output [N].
I, H = 6, 5
inits = [init("W", w(1, 4 * H, I, scale=0.4)), init("R", w(1, 4 * H, H, scale=0.4)), init("B", w(1, 8 * H, scale=0.1)),
         init("h0", np.zeros([1, 1, H], np.float32)), init("c0", np.zeros([1, 1, H], np.float32)),
         init("cw", w(1, H, 1)), init("cb", w(1, scale=0.1)), init("ax1", np.array([1], dtype=np.int64)),
         init("flat", np.array([-1], dtype=np.int64))]
nodes = [helper.make_node("Unsqueeze", ["x", "ax1"], ["x3"], name="one_step_batch"),
         helper.make_node("LSTM", ["x3", "W", "R", "B", "", "h0", "c0"], ["ys"], name="lstm", hidden_size=H),
         helper.make_node("Squeeze", ["ys", "ax1"], ["s"], name="squeeze_dir"),
         helper.make_node("Relu", ["s"], ["r"], name="relu"),
         helper.make_node("Transpose", ["r"], ["rt"], name="to_ncl", perm=[1, 2, 0]),
         helper.make_node("Conv", ["rt", "cw", "cb"], ["c"], name="conv1d", kernel_shape=[1]),
         helper.make_node("Sigmoid", ["c"], ["p"], name="sigmoid"),
         helper.make_node("Reshape", ["p", "flat"], ["y"], name="probs")]
save("lstm_across_chunks", nodes, inits, [I], [], opset=15, batch=7)

# 12. SiLU as YOLOv8 exports it, Mul(x, Sigmoid(x)) after a Conv, then a Sigmoid that feeds two
#     nodes (not a SiLU: its output is also added on), so only the first pair becomes one layer.
inits = [init("cw", w(4, 3, 3, 3)), init("cb", w(4, scale=0.1))]
nodes = [helper.make_node("Conv", ["x", "cw", "cb"], ["c"], name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
         helper.make_node("Sigmoid", ["c"], ["s"], name="act/Sigmoid"),
         helper.make_node("Mul", ["c", "s"], ["a"], name="act/Mul"),
         helper.make_node("Sigmoid", ["a"], ["g"], name="gate"),
         helper.make_node("Mul", ["a", "g"], ["m"], name="gated"),
         helper.make_node("Add", ["m", "g"], ["y"], name="plus_gate")]
save("silu_conv", nodes, inits, [3, 6, 6], [4, 6, 6], opset=13)
