"""Writes the hostile ONNX fixtures of MemoryCapTests (run with the project's venv:
.build/venv/bin/python Tests/DeployAdvisorCLITests/Fixtures/make_hostile.py).

wide_input.onnx: x [N, 1e9] -> Relu -> ReduceMean(axis 1) -> y [N, 1]. No weights, 128 bytes,
but one sample is 4 GB: every command must size it against the memory budget and exit 2."""
import os

import onnx
from onnx import TensorProto, helper

here = os.path.dirname(os.path.abspath(__file__))
x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1_000_000_000])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 1])
graph = helper.make_graph(
    [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("ReduceMean", ["r"], ["y"], axes=[1], keepdims=1)],
    "wide", [x], [y])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), os.path.join(here, "wide_input.onnx"))
