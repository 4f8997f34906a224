#!/bin/sh
# The FPGA plan: 3 × Standard_PB6s (brainwave-a10, msfp16), number format msfp16.
# Azure ML v1 (out of support since SDK v1 support ended on 2026-06-30): an AKS
# compute of 3 Standard_PB6s node(s), one FPGA each, then the
# hardware-accelerated model deployed with fpga/deploymentconfig.json.
set -eu
az ml computetarget create aks --name "${AKS_NAME:-fpga-aks}" --vm-size Standard_PB6s --agent-count 3
